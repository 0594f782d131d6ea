//! One drill from start to verdict: build the stack, run the workload under the drill's
//! disruption, stop the chaos, let every lease settle, then run the five checks.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::checks::{self, Inputs};
use crate::ledger::Plan;
use crate::opts::Drill;
use crate::stack::{Shape, Stack};
use crate::workload::{self, Progress};
use crate::{chaos, checks_store, disrupt, facts, readmodels, report};

/// How long the read models may take to catch up once every lease settled.
const PROJECT_WITHIN: Duration = Duration::from_secs(120);

async fn print_progress(progress: Arc<Progress>, total: usize, started: Instant) {
    loop {
        tokio::time::sleep(Duration::from_secs(10)).await;
        println!(
            "drill: {:>6.1}s  {}/{total} lease requests done",
            started.elapsed().as_secs_f64(),
            progress.done.load(Ordering::Relaxed)
        );
    }
}

/// Runs `drill`; Ok(true) when every check passed.
pub async fn run(drill: &Drill) -> anyhow::Result<bool> {
    let (name, opts) = drill.parts();
    let sizes = opts.sizes();
    let seed = opts.seed.unwrap_or_else(rand::random);
    println!(
        "drill {name}: {} leases over {} secrets, {} secrets at a time, seed {seed}",
        sizes.leases, sizes.secrets, sizes.concurrency
    );
    let shape = Shape {
        nats_nodes: if name == "cluster" { 3 } else { 1 },
        copies: if name == "cluster" { 2 } else { 1 },
        postgres: opts.postgres_for(name),
    };
    let t0 = Instant::now();
    let mut stack = Stack::start(opts, &sizes, shape).await?;
    let mut phases = vec![("setup", t0.elapsed())];

    let progress = Arc::new(Progress::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let supervisor = tokio::spawn(chaos::supervise(stack.fleet.clone(), stop_rx));
    let (chaos_tx, chaos_rx) = watch::channel(false);
    let killer = (name == "kill")
        .then(|| tokio::spawn(chaos::kill_loop(stack.fleet.clone(), seed, chaos_rx)));
    let t1 = Instant::now();
    let ticker = tokio::spawn(print_progress(progress.clone(), sizes.leases, t1));
    let work = workload::run(stack.api.clone(), &sizes, seed, progress.clone());
    let (records, disruptions) = match name {
        "restart" => {
            let d = disrupt::restart(
                &mut stack.nats_nodes,
                &mut stack.pg,
                &progress,
                sizes.leases,
            );
            let (records, d) = tokio::join!(work, d);
            (records, d?)
        }
        "cluster" => {
            let d = disrupt::cluster(&mut stack.nats_nodes, &stack.nats, &progress, sizes.leases);
            let (records, d) = tokio::join!(work, d);
            (records, d?)
        }
        _ => (work.await, Vec::new()),
    };
    let _ = chaos_tx.send(true);
    if let Some(killer) = killer {
        killer.await??;
    }
    ticker.abort();
    phases.push(("load", t1.elapsed()));

    let t2 = Instant::now();
    stack.fleet.lock().await.revive()?;
    let live: HashSet<String> = records
        .iter()
        .filter(|r| r.plan == Plan::Live)
        .filter_map(|r| r.lease_id().map(str::to_string))
        .collect();
    let open = facts::wait_settled(&stack.pool, &live, sizes.settle_within).await?;
    if !open.is_empty() {
        println!(
            "drill: {} leases still in flight after {:?}",
            open.len(),
            sizes.settle_within
        );
    }
    let lag = facts::wait_projected(&stack.pool, PROJECT_WITHIN).await;
    let _ = stop_tx.send(true);
    supervisor.await??;
    let chaos = {
        let mut fleet = stack.fleet.lock().await;
        fleet.stop_all().await;
        report::chaos_line(&fleet)
    };
    phases.push(("settle", t2.elapsed()));

    let t3 = Instant::now();
    let facts = facts::load(&stack.pool).await?;
    let inputs = Inputs {
        records: &records,
        facts: &facts,
        emulator: stack.emulator.state(),
        http: reqwest::Client::new(),
    };
    let outcomes = vec![
        checks::live_leases_work(&inputs).await,
        checks::ended_passwords_fail(&inputs).await,
        checks_store::one_lease_per_request(&inputs),
        readmodels::equal_rebuild(&stack.pool, lag).await,
        checks_store::expiry_on_time(&inputs, opts.lateness_bound_secs),
    ];
    phases.push(("checks", t3.elapsed()));
    phases.push(("total", t0.elapsed()));

    let graph = report::graph_line(&stack.emulator.state().request_log());
    let replies = progress
        .replies
        .lock()
        .map(|m| m.clone())
        .unwrap_or_default();
    let passed = report::print(
        &report::Summary {
            drill: name,
            seed,
            phases,
            disruptions,
            replies,
            records: &records,
            facts: facts.values().collect(),
            outcomes: &outcomes,
        },
        &chaos,
        &graph,
    );
    let dir = stack.dir.clone();
    let hint = stack.logs_hint();
    drop(stack);
    if passed && !opts.keep {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        println!("  {hint}");
    }
    Ok(passed)
}
