//! Soak: the whole lease lifecycle at a steady rate for ten minutes against `leasehold
//! serve` running as its own process (so its memory is the engine's alone): each lease is
//! requested, renewed once, then revoked (even leases) or left to expire (odd ones).
//! Reported per minute: the engine's resident memory, `lease.create` latency, what was
//! achieved and refused, and how late the expired leases were revoked. Targets: resident
//! memory grows at most 10 % from minute 2 to the last, and the issue p99 stays within 2×.
//!
//! `cargo run --release -p leasehold-bench --bin bench-soak [-- --quick]`

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use entra_emulator::{Emulator, EmulatorConfig, Seed, ThrottleConfig, DEMO_TENANT_ID};
use leasehold::client::ApiClient;
use leasehold_api::Operation;
use leasehold_bench::args::{command_line, init_tracing};
use leasehold_bench::driver::{create_lease, Outcome};
use leasehold_bench::machine::Machine;
use leasehold_bench::report::bench_dir;
use leasehold_bench::serve::Serve;
use leasehold_bench::stack::{connect, create_secrets, unique_prefix};
use leasehold_bench::stats::ms;
use leasehold_bench::{Latencies, Opts, Report, Row, Verdict};
use leasehold_bus::Subjects;
use leasehold_crypto::MasterKey;
use leasehold_store::testing::TestDb;
use serde_json::json;
use tokio::sync::Mutex;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    opts: Opts,
    /// Leases started per second.
    #[arg(long)]
    rate: Option<f64>,
    /// Minutes of the run (default 10, 2 with --quick).
    #[arg(long)]
    minutes: Option<u64>,
    /// TTL of each lease when requested, seconds; the renewal adds 10 s.
    #[arg(long, default_value_t = 20)]
    ttl: u64,
}

/// What one minute of the run saw.
#[derive(Default)]
struct Minute {
    issue: Latencies,
    outcomes: BTreeMap<String, usize>,
    renew_failed: usize,
    rss_kib: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    leasehold::tls::install_ring_provider();
    let args = Args::parse();
    let o = &args.opts;
    let rate = args.rate.unwrap_or(o.pick(100.0, 20.0));
    let minutes = args.minutes.unwrap_or(o.pick(10, 2)).max(2);
    // Every secret is reused once a minute: its lease (ttl + 10 s) has ended by then.
    let secrets_n = (rate * 60.0).ceil() as usize;
    let started_at = chrono::Utc::now();
    let wall = Instant::now();

    let db = TestDb::new().await;
    let machine = Machine::detect().with_postgres(&db.pool).await;
    let emulator = Emulator::start(
        EmulatorConfig {
            seed: Seed::demo().with_generated_users(DEMO_TENANT_ID, secrets_n),
            throttle: ThrottleConfig {
                enabled: false,
                ..ThrottleConfig::default()
            },
            ..EmulatorConfig::default()
        },
        tokio::net::TcpListener::bind("127.0.0.1:0").await?,
    )
    .await?;
    let nats_url =
        std::env::var("LEASEHOLD_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let nats = async_nats::connect(&nats_url).await?;
    let prefix = unique_prefix("s");
    let admin = ApiClient::new(nats.clone(), Subjects::new(&prefix)?, "bench");
    let key = MasterKey::generate().to_base64();
    let mut serve = Serve::spawn(&bench_dir(), &db.url, &nats_url, &prefix, &key)?;
    serve.wait_ready(&admin, Duration::from_secs(60)).await?;
    connect(&admin, &emulator).await?;
    eprintln!("creating {secrets_n} secrets");
    let secrets: Vec<String> = create_secrets(&admin, "soak", 1, secrets_n, "1h")
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    let (idle_rss, _) = serve.memory();

    eprintln!("soak: {rate} leases/s for {minutes} minutes");
    // The configuration's one admin asks for everything; per-actor limits are off.
    let clients: Vec<ApiClient> = vec![admin.clone()];
    let stats: Arc<Mutex<Vec<Minute>>> = Arc::new(Mutex::new(
        (0..minutes).map(|_| Minute::default()).collect(),
    ));
    let start = Instant::now();
    let run_started = chrono::Utc::now();
    let per_minute = (rate * 60.0).round() as usize;
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..per_minute * minutes as usize {
        let due = start + Duration::from_secs_f64(k as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let minute = k / per_minute;
        if k % per_minute == per_minute - 1 {
            // The last lease of a minute: the engine's memory at the minute's end.
            stats.lock().await[minute].rss_kib = serve.memory().0;
            eprintln!("minute {} done", minute + 1);
        }
        let client = clients[k % clients.len()].clone();
        let secret = secrets[k % secrets.len()].clone();
        let stats = stats.clone();
        let ttl = args.ttl;
        tasks.spawn(async move {
            let sample = create_lease(&client, &secret, &format!("{ttl}s"), due).await;
            let renewed = match &sample.lease_id {
                Some(id) if sample.outcome == Outcome::Active => {
                    let renew = json!({ "lease_id": id, "ttl": ttl + 10 });
                    let ok = client.command(Operation::LeaseRenew, &renew).await.is_ok();
                    if k % 2 == 0 {
                        let revoke = json!({ "lease_id": id });
                        let _ = client.command(Operation::LeaseRevoke, &revoke).await;
                    }
                    ok
                }
                _ => true,
            };
            let mut stats = stats.lock().await;
            let m = &mut stats[minute];
            let outcome = match &sample.outcome {
                Outcome::Active => {
                    m.issue.push(sample.latency);
                    "active".to_string()
                }
                Outcome::Pending => "pending".to_string(),
                Outcome::Refused(code) => code.clone(),
            };
            *m.outcomes.entry(outcome).or_insert(0) += 1;
            if !renewed {
                m.renew_failed += 1;
            }
        });
        // Finished tasks are reaped as the run goes, so the driver does not grow.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let run_secs = start.elapsed().as_secs_f64();

    eprintln!("waiting for the last expiries");
    let lateness = expiry_lateness(&db.pool, minutes, run_started, &args).await?;
    serve.stop()?;
    emulator.shutdown().await;
    let mut minutes_seen = std::mem::take(&mut *stats.lock().await);
    let mut report = build(&args, rate, idle_rss, &mut minutes_seen, lateness, run_secs);
    report.machine = machine;
    report.started_at = started_at.to_rfc3339();
    report.wall_secs = wall.elapsed().as_secs_f64();
    report.params = json!({
        "rate": rate, "minutes": minutes, "secrets": secrets_n, "ttl_secs": args.ttl,
        "renew_ttl_secs": args.ttl + 10,
    });
    report.print();
    report.write(args.opts.out.clone())?;
    drop(db);
    Ok(())
}

/// Waits (up to 5 minutes past the last expiry) until every lease is revoked, then returns the
/// lateness (`revoked_at − expires_at`, ms) of the expired leases by the minute they were
/// requested in.
async fn expiry_lateness(
    pool: &sqlx::PgPool,
    minutes: u64,
    run_started: chrono::DateTime<chrono::Utc>,
    args: &Args,
) -> anyhow::Result<Vec<Latencies>> {
    let last_expiry = Duration::from_secs(args.ttl + 10);
    let deadline = Instant::now() + last_expiry + Duration::from_secs(300);
    loop {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM leases WHERE status IN ('requested', 'active', 'revoking')",
        )
        .fetch_one(pool)
        .await?;
        if open == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let rows: Vec<(f64, f64)> = sqlx::query_as(
        "SELECT EXTRACT(EPOCH FROM issued_at - $1)::float8,
                EXTRACT(EPOCH FROM revoked_at - expires_at)::float8 * 1000
           FROM leases WHERE revocation_reason = 'expired' AND revoked_at IS NOT NULL",
    )
    .bind(run_started)
    .fetch_all(pool)
    .await?;
    let mut out: Vec<Latencies> = (0..minutes).map(|_| Latencies::default()).collect();
    for (since_start, late_ms) in rows {
        let minute = ((since_start / 60.0) as usize).min(out.len() - 1);
        out[minute].push_ms(late_ms.max(0.0));
    }
    Ok(out)
}

fn build(
    args: &Args,
    rate: f64,
    idle_rss_kib: u64,
    minutes: &mut [Minute],
    mut lateness: Vec<Latencies>,
    run_secs: f64,
) -> Report {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let n = minutes.len();
    let (rss2, rss_last) = (minutes[1].rss_kib, minutes[n - 1].rss_kib);
    let growth = (rss_last as f64 - rss2 as f64) / (rss2.max(1) as f64) * 100.0;
    let p99s: Vec<f64> = minutes[1..]
        .iter_mut()
        .map(|m| m.issue.quantile(0.99))
        .collect();
    let (p99_min, p99_max) = p99s
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), &p| (lo.min(p), hi.max(p)));
    let active: usize = minutes.iter().map(|m| m.issue.len()).sum();
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for m in minutes.iter() {
        for (k, v) in &m.outcomes {
            *outcomes.entry(k.clone()).or_insert(0) += v;
        }
    }
    let mut rows = vec![
        Row::target(
            &format!("engine resident memory, minute 2 → minute {n}"),
            format!(
                "{:.0} → {:.0} MiB ({growth:+.1} %)",
                mib(rss2),
                mib(rss_last)
            ),
            format!("{:.0} MiB idle before the run", mib(idle_rss_kib)),
            "growth <= 10 %",
            Verdict::check(growth <= 10.0, || format!("{growth:+.1} %")),
        ),
        Row::target(
            &format!("issue p99 per minute, minutes 2–{n}: lowest / highest"),
            format!("{} / {} ms", ms(p99_min), ms(p99_max)),
            "",
            "highest <= 2 × lowest",
            if minutes[1..].iter().any(|m| m.issue.is_empty()) {
                Verdict::Gap("a minute handed out no credential".into())
            } else {
                Verdict::check(p99_max <= 2.0 * p99_min, || {
                    format!("{:.1}×", p99_max / p99_min.max(1e-9))
                })
            },
        ),
        Row::info(
            &format!("credentials handed out, {rate:.0}/s offered"),
            format!("{:.1} leases/s", active as f64 / run_secs.max(1e-9)),
            "",
        ),
        Row::info(
            "outcomes of lease.create",
            outcomes
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            "",
        ),
    ];
    let mut per_minute = Vec::new();
    for (i, m) in minutes.iter_mut().enumerate() {
        let late = &mut lateness[i];
        let late_p99 = if late.is_empty() {
            "none".to_string()
        } else {
            format!("{} ms", ms(late.quantile(0.99)))
        };
        rows.push(Row::info(
            &format!(
                "  minute {}: RSS, issue p50/p99/max, expiry lateness p99",
                i + 1
            ),
            format!(
                "{:.0} MiB, {}, {late_p99}",
                mib(m.rss_kib),
                m.issue.summary()
            ),
            "",
        ));
        per_minute.push(json!({
            "minute": i + 1, "rss_kib": m.rss_kib, "issue": m.issue.to_json(),
            "outcomes": m.outcomes, "renew_failed": m.renew_failed,
            "expiry_lateness": late.to_json(),
        }));
    }
    Report {
        name: "soak".into(),
        title: "Soak: the whole lifecycle for ten minutes".into(),
        command: command_line(),
        mode: args.opts.mode().into(),
        started_at: String::new(),
        wall_secs: 0.0,
        machine: Machine::default(),
        params: json!({}),
        rows,
        notes: vec![
            "`leasehold serve` runs as its own process (all components); the benchmark \
             process holds the emulator and the requesters. Each lease is requested with \
             the TTL, renewed once (+10 s), then revoked (even leases) or left to expire \
             (odd ones); every secret is leased again a minute later. RSS is the serve \
             process's VmRSS at the end of each minute."
                .into(),
        ],
        data: json!({ "minutes": per_minute, "idle_rss_kib": idle_rss_kib }),
    }
}
