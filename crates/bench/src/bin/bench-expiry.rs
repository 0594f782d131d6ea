//! Expiry precision: leases that expire within the same 10 s; prints how late each was
//! revoked (`LeaseRevoked` recorded − `expires_at`), split into the scheduler's part
//! (→ `LeaseRevocationRequested`) and the worker's (→ `LeaseRevoked`). Baseline:
//! sequential single-row commits per second (the scheduler expires one lease at a time).
//!
//! `cargo run --release -p leasehold-bench --bin bench-expiry [-- --quick]`

use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use leasehold_bench::args::{command_line, init_tracing};
use leasehold_bench::driver::issue_expiring;
use leasehold_bench::machine::Machine;
use leasehold_bench::probe::{between, lease_times};
use leasehold_bench::stats::ms;
use leasehold_bench::{baseline, Latencies, Opts, Report, Row, Stack, StackOptions, Verdict};
use serde_json::json;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    opts: Opts,
    /// Leases (default 10000, 500 with --quick).
    #[arg(long)]
    leases: Option<usize>,
    /// Seconds over which their expiries are spread.
    #[arg(long, default_value_t = 10)]
    window: u64,
    /// Issue rate assumed when placing the window after issuance (leases/s).
    #[arg(long, default_value_t = 60.0)]
    issue_rate: f64,
    /// Concurrent requesters during issuance.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let args = Args::parse();
    let o = &args.opts;
    let n = args.leases.unwrap_or(o.pick(10_000, 500));
    let started_at = Utc::now();
    let wall = Instant::now();
    let options = StackOptions {
        graph_concurrency: o.graph_concurrency,
        ..StackOptions::unthrottled(n)
    };
    let stack = Stack::start("e", &options).await?;
    let machine = Machine::detect().with_postgres(&stack.db.pool).await;
    let base = baseline::insert_rate(&stack.db.url, 1, 1, Duration::from_secs(3)).await?;
    eprintln!("creating {n} secrets");
    let t = Instant::now();
    let secrets: Vec<String> = stack
        .create_secrets("be", 1, n, "24h")
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    let setup_secs = t.elapsed().as_secs_f64();
    let clients: Vec<_> = (0..args.concurrency)
        .map(|r| stack.client(&format!("req{r:02}")))
        .collect();
    let slack = Duration::from_secs_f64(n as f64 / args.issue_rate + 10.0);
    let window_start = Utc::now() + chrono::Duration::from_std(slack)?;
    let window = Duration::from_secs(args.window);
    eprintln!("issuing {n} leases expiring from {window_start} over {window:?}");
    let issued = issue_expiring(&clients, &secrets, window_start, window).await;
    let ids: Vec<String> = issued
        .samples
        .iter()
        .filter_map(|s| s.lease_id.clone())
        .collect();
    eprintln!(
        "issued {} in {:.0} s; waiting for revocations",
        ids.len(),
        issued.secs
    );
    let until = (window_start - Utc::now()).to_std().unwrap_or_default() + window;
    let done = stack
        .wait_count(
            "SELECT count(*) FROM events WHERE event_type = 'LeaseRevoked'",
            ids.len() as i64,
            until + Duration::from_secs(600),
        )
        .await?;
    let times = lease_times(&stack.db.pool, &ids).await?;
    stack.stop().await?;

    let (mut late, mut sched, mut work) = Default::default();
    let (mut relay, mut worker) = (Latencies::default(), Latencies::default());
    let (mut first, mut last) = (None, None);
    for t in times.values() {
        let (Some(exp), Some(req), Some(rev)) = (t.expires_at, t.revocation_requested, t.revoked)
        else {
            continue;
        };
        Latencies::push_ms(&mut late, between(exp, rev));
        Latencies::push_ms(&mut sched, between(exp, req));
        Latencies::push_ms(&mut work, between(req, rev));
        if let Some(published) = t.published[2] {
            relay.push_ms(between(req, published));
            worker.push_ms(between(published, rev));
        }
        first = first.min(Some(exp)).or(Some(exp));
        last = last.max(Some(exp));
    }
    let spread = match (first, last) {
        (Some(a), Some(b)) => between(a, b) / 1e3,
        _ => 0.0,
    };
    let late: &mut Latencies = &mut late;
    let p99 = late.quantile(0.99);
    let rows = vec![
        Row::target(
            "lateness p50/p99/max (LeaseRevoked − expires_at)",
            late.summary(),
            format!("{:.0} sequential commits/s", base.per_sec),
            "p99 <= 1 s",
            Verdict::check(p99 <= 1000.0, || format!("p99 {} ms", ms(p99))),
        ),
        Row::info(
            "  scheduler: expires_at → LeaseRevocationRequested",
            sched.summary(),
            "",
        ),
        Row::info(
            "  worker: LeaseRevocationRequested → LeaseRevoked",
            work.summary(),
            "",
        ),
        Row::info(
            "    relay: → LeaseRevocationRequested published",
            relay.summary(),
            "",
        ),
        Row::info(
            "    worker: published → LeaseRevoked (JetStream, Graph ×2, append)",
            worker.summary(),
            "",
        ),
        Row::info(
            "leases revoked / issued, expiry spread",
            format!("{} / {} over {spread:.1} s", late.len(), ids.len()),
            "",
        ),
        Row::info(
            "revocation rate needed vs sequential commits",
            format!("{:.0}/s", late.len() as f64 / spread.max(1.0)),
            format!("{:.0}/s", base.per_sec),
        ),
    ];
    let report = Report {
        name: "expiry".into(),
        title: "Expiry precision".into(),
        command: command_line(),
        mode: o.mode().into(),
        started_at: started_at.to_rfc3339(),
        wall_secs: wall.elapsed().as_secs_f64(),
        machine,
        params: json!({ "leases": n, "window_secs": args.window, "requesters": args.concurrency,
                        "secret_setup_secs": setup_secs, "issue_secs": issued.secs }),
        rows,
        notes: vec![
            "Times are the events' recorded_at (start of the appending transaction). \
             TTLs are whole seconds, so expiries land on a ±0.5 s grid around their slot."
                .into(),
            format!("{done} LeaseRevoked events seen when the wait ended."),
        ],
        data: json!({
            "baseline": { "sequential_commits_per_sec": base.per_sec },
            "lateness": late.to_json(), "scheduler": sched.to_json(), "worker": work.to_json(),
            "relay_part": relay.to_json(), "worker_part": worker.to_json(),
            "spread_secs": spread, "issued": issued.outcomes(),
        }),
    };
    report.print();
    report.write(o.out.clone())?;
    Ok(())
}
