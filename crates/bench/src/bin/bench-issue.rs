//! Issue throughput and latency: leases created end to end (NATS request → credential
//! reply) by 64 concurrent requesters, then at a fixed offered load of 200/s. Baseline:
//! single-row insert transactions per second into Postgres at the same concurrency.
//!
//! `cargo run --release -p leasehold-bench --bin bench-issue [-- --quick]`

use std::time::{Duration, Instant};

use clap::Parser;
use leasehold_bench::args::{command_line, init_tracing};
use leasehold_bench::driver::{closed_loop, open_loop, RunResult};
use leasehold_bench::machine::Machine;
use leasehold_bench::probe::issue_stages;
use leasehold_bench::stats::ms;
use leasehold_bench::{baseline, Opts, Report, Row, Stack, StackOptions, Verdict};
use serde_json::json;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    opts: Opts,
    /// Concurrent requesters (each its own actor).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Dynamic secrets leased over (default 2048, 256 with --quick).
    #[arg(long)]
    secrets: Option<usize>,
    /// Seconds of the closed-loop run (default 30, 5 with --quick).
    #[arg(long)]
    secs: Option<u64>,
    /// Offered load of the fixed-rate run, leases per second.
    #[arg(long, default_value_t = 200.0)]
    rate: f64,
    /// Seconds of the fixed-rate run (default 20, 5 with --quick).
    #[arg(long)]
    rate_secs: Option<u64>,
    /// A second, light fixed load (leases/s) showing the latency when nothing queues.
    #[arg(long, default_value_t = 20.0)]
    low_rate: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let args = Args::parse();
    let o = &args.opts;
    let secrets_n = args.secrets.unwrap_or(o.pick(2048, 256));
    let secs = args.secs.unwrap_or(o.pick(30, 5));
    let rate_secs = args.rate_secs.unwrap_or(o.pick(20, 5));
    let started_at = chrono::Utc::now();
    let wall = Instant::now();
    let machine = Machine::detect();

    let options = StackOptions {
        graph_concurrency: o.graph_concurrency,
        ..StackOptions::unthrottled(secrets_n)
    };
    let stack = Stack::start("i", &options).await?;
    let machine = machine.with_postgres(&stack.db.pool).await;
    eprintln!("baseline: single-row inserts, {} tasks", args.concurrency);
    let base = baseline::insert_rate(
        &stack.db.url,
        args.concurrency,
        32,
        Duration::from_secs(o.pick(10, 3)),
    )
    .await?;
    eprintln!("creating {secrets_n} secrets");
    let t = Instant::now();
    let secrets: Vec<String> = stack
        .create_secrets("bi", 1, secrets_n, "24h")
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    let setup_secs = t.elapsed().as_secs_f64();
    let clients: Vec<_> = (0..args.concurrency)
        .map(|r| stack.client(&format!("req{r:02}")))
        .collect();
    // Warm-up: token cache, connection pools, JetStream consumers.
    let _ = closed_loop(&clients, &secrets, Duration::from_secs(2)).await;
    drain(&stack).await?;

    eprintln!("closed loop: {} requesters for {secs} s", args.concurrency);
    let closed = closed_loop(&clients, &secrets, Duration::from_secs(secs)).await;
    let closed_stages = issue_stages(&stack.db.pool, &closed.samples).await?;
    drain(&stack).await?;
    eprintln!("open loop: {} leases/s for {rate_secs} s", args.rate);
    let open = open_loop(
        &clients,
        &secrets,
        args.rate,
        Duration::from_secs(rate_secs),
        "1h",
        true,
    )
    .await;
    let stages = issue_stages(&stack.db.pool, &open.samples).await?;
    drain(&stack).await?;
    eprintln!("open loop: {} leases/s for {rate_secs} s", args.low_rate);
    let low = open_loop(
        &clients,
        &secrets,
        args.low_rate,
        Duration::from_secs(rate_secs.min(10)),
        "1h",
        true,
    )
    .await;
    let low_stages = issue_stages(&stack.db.pool, &low.samples).await?;
    drain(&stack).await?;
    stack.stop().await?;

    let stages = [
        ("closed loop", closed_stages),
        ("fixed load", stages),
        ("light load", low_stages),
    ];
    let report = build(
        &args, base, closed, open, low, stages, setup_secs, secrets_n, secs,
    );
    let mut report = report;
    report.machine = machine;
    report.started_at = started_at.to_rfc3339();
    report.wall_secs = wall.elapsed().as_secs_f64();
    report.print();
    report.write(args.opts.out.clone())?;
    Ok(())
}

/// Waits until every lease revoked by the requesters is confirmed, so runs do not overlap.
async fn drain(stack: &Stack) -> anyhow::Result<()> {
    let sql = "SELECT (SELECT count(*) FROM events WHERE event_type = 'LeaseRevoked')
                    - (SELECT count(*) FROM events WHERE event_type = 'LeaseRevocationRequested')";
    stack.wait_count(sql, 0, Duration::from_secs(120)).await?;
    Ok(())
}

/// One run's name and its stage latencies.
type Stages = (
    &'static str,
    Vec<(&'static str, leasehold_bench::Latencies)>,
);

#[allow(clippy::too_many_arguments)]
fn build(
    args: &Args,
    base: baseline::InsertRate,
    closed: RunResult,
    open: RunResult,
    low: RunResult,
    stages: [Stages; 3],
    setup_secs: f64,
    secrets_n: usize,
    secs: u64,
) -> Report {
    let mut base_lat = base.latencies;
    let mut closed_lat = closed.active_latencies();
    let mut open_lat = open.active_latencies();
    let mut low_lat = low.active_latencies();
    let leases_per_sec = closed.active_per_sec();
    let ratio = leases_per_sec / base.per_sec.max(1e-9);
    let p99 = open_lat.quantile(0.99);
    let mut rows = vec![
        Row::target(
            &format!("leases/s, {} requesters, closed loop", args.concurrency),
            format!("{leases_per_sec:.0}"),
            format!("{:.0} inserts/s (ratio {ratio:.3})", base.per_sec),
            ">= 1000/s",
            Verdict::check(leases_per_sec >= 1000.0, || {
                format!("{:.0}% of target", leases_per_sec / 10.0)
            }),
        ),
        Row::info(
            "latency p50/p99/max, closed loop",
            closed_lat.summary(),
            base_lat.summary(),
        ),
        Row::target(
            &format!("latency p50/p99/max at {:.0}/s offered", args.rate),
            open_lat.summary(),
            base_lat.summary(),
            "p99 <= 50 ms",
            Verdict::check(p99 <= 50.0, || format!("p99 {} ms", ms(p99))),
        ),
        Row::info(
            &format!("achieved at {:.0}/s offered", args.rate),
            format!("{:.0} leases/s", open.active_per_sec()),
            "",
        ),
        Row::info(
            &format!(
                "latency p50/p99/max at {:.0}/s offered (light load)",
                args.low_rate
            ),
            low_lat.summary(),
            base_lat.summary(),
        ),
    ];
    let mut stage_json = serde_json::Map::new();
    for (run, list) in stages {
        let mut items = Vec::new();
        for (name, mut l) in list {
            rows.push(Row::info(&format!("  {run}: {name}"), l.summary(), ""));
            items.push(json!({ "stage": name, "latency": l.to_json() }));
        }
        stage_json.insert(run.to_string(), items.into());
    }
    Report {
        name: "issue".into(),
        title: "Issue throughput and latency".into(),
        command: command_line(),
        mode: args.opts.mode().into(),
        started_at: String::new(),
        wall_secs: 0.0,
        machine: Machine::default(),
        params: json!({
            "requesters": args.concurrency, "secrets": secrets_n, "closed_loop_secs": secs,
            "offered_rate": args.rate, "baseline_connections": 32,
            "secret_setup_secs": setup_secs,
        }),
        rows,
        notes: vec![
            "Closed loop: each requester cycles over its own secrets and revokes each lease \
             right after the reply (untimed, in the background), so revocation work runs \
             alongside. The baseline uses the same 64 tasks over 32 connections, the \
             engine's pool size."
                .into(),
            format!(
                "Fixed load: {:.0} requests/s on a schedule; latency counts from when a request \
                 was due. Distribution: {}",
                args.rate,
                open_lat.distribution()
            ),
        ],
        data: json!({
            "baseline": { "inserts_per_sec": base.per_sec, "latency": base_lat.to_json() },
            "closed": { "leases_per_sec": leases_per_sec, "secs": closed.secs,
                        "outcomes": closed.outcomes(), "latency": closed_lat.to_json() },
            "open": { "leases_per_sec": open.active_per_sec(), "secs": open.secs,
                      "outcomes": open.outcomes(), "latency": open_lat.to_json() },
            "light": { "rate": args.low_rate, "leases_per_sec": low.active_per_sec(),
                       "outcomes": low.outcomes(), "latency": low_lat.to_json() },
            "stages": stage_json,
        }),
    }
}
