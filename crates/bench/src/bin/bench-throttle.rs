//! Throttled tenant: the emulator's write limit at Entra's 3,000 per 150 s; leases expire
//! together while new leases keep being requested. Prints the Graph write rate achieved
//! against the allowed rate (the baseline), the 429s, and whether activations took write
//! capacity while revocations were waiting.
//!
//! `cargo run --release -p leasehold-bench --bin bench-throttle [-- --quick]`

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use clap::Parser;
use entra_emulator::ThrottleConfig;
use leasehold_bench::args::{command_line, init_tracing};
use leasehold_bench::driver::{issue_expiring, open_loop};
use leasehold_bench::machine::Machine;
use leasehold_bench::probe::lease_times;
use leasehold_bench::throttle::{analyse, Classes};
use leasehold_bench::{Opts, Report, Stack, StackOptions};
use serde_json::json;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    opts: Opts,
    /// Leases expiring together (default 2000, 200 with --quick).
    #[arg(long)]
    leases: Option<usize>,
    /// New leases requested per second meanwhile.
    #[arg(long, default_value_t = 2.0)]
    new_rate: f64,
    /// Bucket size of the write throttle (default 3000, 200 with --quick).
    #[arg(long)]
    writes: Option<u32>,
    /// Refill period of the bucket in seconds (default 150, 10 with --quick: same rate).
    #[arg(long)]
    per: Option<u64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let args = Args::parse();
    let o = &args.opts;
    let n = args.leases.unwrap_or(o.pick(2000, 200));
    let throttle = ThrottleConfig {
        enabled: true,
        writes: args.writes.unwrap_or(o.pick(3000, 200)),
        per: Duration::from_secs(args.per.unwrap_or(o.pick(150, 10))),
    };
    let allowed = f64::from(throttle.writes) / throttle.per.as_secs_f64();
    // Enough fresh secrets for new leases during the whole drain, with room to spare.
    let drain_estimate = (4.0 * n as f64 - f64::from(throttle.writes)).max(0.0) / allowed + 30.0;
    let n_new = (args.new_rate * drain_estimate * 1.5).ceil() as usize;
    let started_at = Utc::now();
    let wall = Instant::now();
    let options = StackOptions {
        graph_concurrency: o.graph_concurrency,
        ..StackOptions::unthrottled(n + n_new)
    };
    let stack = Stack::start("t", &options).await?;
    let machine = Machine::detect().with_postgres(&stack.db.pool).await;
    eprintln!("creating {} secrets", n + n_new);
    let expiring = stack.create_secrets("bt", 1, n, "24h").await?;
    let fresh = stack.create_secrets("bn", n + 1, n_new, "24h").await?;
    let clients: Vec<_> = (0..64)
        .map(|r| stack.client(&format!("req{r:02}")))
        .collect();
    let names: Vec<String> = expiring.iter().map(|s| s.name.clone()).collect();
    let window_start = Utc::now() + chrono::Duration::seconds((n / 50) as i64 + 10);
    eprintln!("issuing {n} leases expiring from {window_start} (unthrottled)");
    let issued = issue_expiring(&clients, &names, window_start, Duration::from_secs(10)).await;
    let ids: Vec<String> = issued
        .samples
        .iter()
        .filter_map(|s| s.lease_id.clone())
        .collect();

    // From here on the tenant is throttled, its bucket full (an idle tenant).
    let emu = stack.emulator.state();
    emu.set_throttle(throttle.clone());
    emu.clear_request_log();
    let throttled_from = Utc::now();
    let new_names: Vec<String> = fresh.iter().map(|s| s.name.clone()).collect();
    let requesters = clients[..4].to_vec();
    let rate = args.new_rate;
    let new_leases = tokio::spawn(async move {
        let secs = new_names.len() as f64 / rate;
        open_loop(
            &requesters,
            &new_names,
            rate,
            Duration::from_secs_f64(secs),
            "1h",
            false,
        )
        .await
    });
    eprintln!(
        "waiting for {} revocations at {allowed:.1} writes/s",
        ids.len()
    );
    let sql =
        format!(
        "SELECT count(*) FROM events WHERE event_type = 'LeaseRevoked' AND aggregate_id IN ({})",
        ids.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(",")
    );
    let timeout = Duration::from_secs_f64(drain_estimate * 4.0 + 120.0);
    let revoked = stack.wait_count(&sql, ids.len() as i64, timeout).await?;
    let done_at = Utc::now();
    new_leases.abort();
    let log = emu.request_log();
    let times = lease_times(&stack.db.pool, &ids).await?;
    let failed_attempts: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'RevocationAttemptFailed'",
    )
    .fetch_one(&stack.db.pool)
    .await?;
    let new_outcomes: Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT r.aggregate_id, r.recorded_at, a.recorded_at FROM events r
           LEFT JOIN events a ON a.aggregate_type = 'Lease' AND a.aggregate_id = r.aggregate_id
                             AND a.event_type = 'LeaseActivated'
          WHERE r.event_type = 'LeaseRequested' AND r.recorded_at >= $1",
    )
    .bind(throttled_from)
    .fetch_all(&stack.db.pool)
    .await?;
    stack.stop().await?;

    let classes = Classes {
        revoking: expiring.iter().map(|s| s.object_id.clone()).collect(),
        activating: fresh
            .iter()
            .map(|s| s.object_id.clone())
            .collect::<HashSet<_>>(),
    };
    let mut a = analyse(&log, &classes, &times, allowed, throttled_from, done_at);
    a.new_leases = new_outcomes;
    let (rows, data, notes) = a.report(&throttle, failed_attempts, revoked, ids.len());
    let report = Report {
        name: "throttle".into(),
        title: "Throttled tenant".into(),
        command: command_line(),
        mode: o.mode().into(),
        started_at: started_at.to_rfc3339(),
        wall_secs: wall.elapsed().as_secs_f64(),
        machine,
        params: json!({ "leases": n, "new_lease_rate": args.new_rate, "new_secrets": n_new,
                        "throttle_writes": throttle.writes, "throttle_per_secs": throttle.per.as_secs() }),
        rows,
        notes,
        data,
    };
    report.print();
    report.write(o.out.clone())?;
    Ok(())
}
