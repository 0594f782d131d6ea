//! Replay and start-up: an event store of 1,000,000 events with 100,000 active leases
//! (seeded in bulk), then projection rebuild events/s, `leasehold serve` time to its first
//! answered query and its resident memory, and `audit at` latency. Baselines: reading the
//! same events without applying them; `serve` on an empty store; `SELECT 1` and
//! `lease.list` round trips.
//!
//! `cargo build --release -p leasehold && cargo run --release -p leasehold-bench --bin bench-replay [-- --quick]`

use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use leasehold::client::ApiClient;
use leasehold_bench::args::{command_line, init_tracing};
use leasehold_bench::machine::Machine;
use leasehold_bench::replay::{audit_nats, audit_sql, read_all, round_trips, Figures};
use leasehold_bench::report::bench_dir;
use leasehold_bench::seed::seed;
use leasehold_bench::serve::Serve;
use leasehold_bench::stack::unique_prefix;
use leasehold_bench::{Opts, Report};
use leasehold_bus::Subjects;
use leasehold_crypto::MasterKey;
use leasehold_store::testing::TestDb;
use serde_json::json;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    opts: Opts,
    /// Events in the store (default 1000000, 50000 with --quick).
    #[arg(long)]
    events: Option<i64>,
    /// Active leases (default 100000, 5000 with --quick).
    #[arg(long)]
    active: Option<i64>,
    /// Timed queries per kind.
    #[arg(long, default_value_t = 500)]
    queries: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    leasehold::tls::install_ring_provider();
    let args = Args::parse();
    let o = &args.opts;
    let target = args.events.unwrap_or(o.pick(1_000_000, 50_000));
    let active = args.active.unwrap_or(o.pick(100_000, 5_000));
    let started_at = Utc::now();
    let wall = Instant::now();
    let nats_url =
        std::env::var("LEASEHOLD_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let nats = async_nats::connect(&nats_url).await?;
    let js = async_nats::jetstream::new(nats.clone());
    let db = TestDb::new().await;
    let machine = Machine::detect().with_postgres(&db.pool).await;
    let key = MasterKey::generate().to_base64();
    let dir = bench_dir();
    let mut f = Figures::default();

    eprintln!("baseline: serve on an empty store");
    let empty_prefix = unique_prefix("r");
    let client0 = ApiClient::new(nats.clone(), Subjects::new(&empty_prefix)?, "bench");
    let mut serve = Serve::spawn(&dir, &db.url, &nats_url, &empty_prefix, &key)?;
    f.empty_startup = Some(serve.wait_ready(&client0, Duration::from_secs(60)).await?);
    serve.stop()?;

    eprintln!("seeding {target} events, {active} active leases");
    let seeded = seed(
        &db.pool,
        MasterKey::from_base64(&key, "bench")?,
        target,
        active,
    )
    .await?;
    eprintln!("seeded {} events in {:.0} s", seeded.events, seeded.secs);
    let (read_n, read_secs) = read_all(&db.pool).await?;
    f.read_per_sec = read_n as f64 / read_secs;
    let t = Instant::now();
    let applied = leasehold_projection::rebuild(&db.pool).await?;
    f.rebuild_secs = t.elapsed().as_secs_f64();
    f.rebuild_per_sec = applied as f64 / f.rebuild_secs;
    (f.leases, f.active_leases) =
        sqlx::query_as("SELECT count(*), count(*) FILTER (WHERE status = 'active') FROM leases")
            .fetch_one(&db.pool)
            .await?;
    eprintln!("rebuilt {applied} events in {:.1} s", f.rebuild_secs);

    let prefix = unique_prefix("r");
    let client = ApiClient::new(nats.clone(), Subjects::new(&prefix)?, "bench");
    let mut serve = Serve::spawn(&dir, &db.url, &nats_url, &prefix, &key)?;
    f.startup = Some(serve.wait_ready(&client, Duration::from_secs(120)).await?);
    f.list = round_trips(&client, args.queries).await;
    f.audit_nats = audit_nats(&client, active, args.queries).await;
    (f.rss_after_kib, f.hwm_kib) = serve.memory();
    serve.stop()?;
    (f.audit_sql, f.select1) = audit_sql(&db.url, active, args.queries * 2).await?;
    for p in [&empty_prefix, &prefix] {
        let _ = js.delete_stream(Subjects::new(p)?.stream_name()).await;
    }
    drop(db);

    let (rows, data, notes) = f.report(&seeded, applied);
    let report = Report {
        name: "replay".into(),
        title: "Replay and start-up".into(),
        command: command_line(),
        mode: o.mode().into(),
        started_at: started_at.to_rfc3339(),
        wall_secs: wall.elapsed().as_secs_f64(),
        machine,
        params: json!({ "events": seeded.events, "active_leases": active,
                        "secrets_with_a_closed_lease": seeded.with_history,
                        "seed_secs": seeded.secs, "queries": args.queries }),
        rows,
        notes,
        data,
    };
    report.print();
    report.write(o.out.clone())?;
    Ok(())
}
