//! The mid-run disruptions of the restart and cluster drills, triggered by workload
//! progress (a third and two thirds of the leases done) rather than by the clock, so
//! they land mid-run whatever the machine's speed.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::nats::{self, NatsNode};
use crate::pg::Postgres;
use crate::stack::PREFIX;
use crate::workload::Progress;

/// How long a restarted server stays down.
const DOWN: Duration = Duration::from_secs(3);

/// Waits until `fraction` of `total` lease requests are done; false if the workload
/// ended first (it never ends before that, unless requests give up).
async fn reach(progress: &Progress, total: usize, fraction: f64) -> bool {
    let target = (total as f64 * fraction) as usize;
    let deadline = Instant::now() + Duration::from_secs(3600);
    while progress.done.load(Ordering::Relaxed) < target {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    true
}

fn note(log: &mut Vec<String>, started: Instant, what: String) {
    println!("drill: {what}");
    log.push(format!("{:>6.1}s  {what}", started.elapsed().as_secs_f64()));
}

/// Restart drill: NATS killed and restarted at 1/3, PostgreSQL stopped (immediate, like
/// a crash) and restarted at 2/3.
pub async fn restart(
    nodes: &mut [NatsNode],
    pg: &mut Postgres,
    progress: &Progress,
    total: usize,
) -> anyhow::Result<Vec<String>> {
    let started = Instant::now();
    let mut log = Vec::new();
    if reach(progress, total, 1.0 / 3.0).await {
        let node = &mut nodes[0];
        note(
            &mut log,
            started,
            format!("NATS {} killed (SIGKILL)", node.name),
        );
        node.kill().await;
        tokio::time::sleep(DOWN).await;
        node.start().await?;
        note(&mut log, started, format!("NATS {} restarted", node.name));
    }
    if reach(progress, total, 2.0 / 3.0).await {
        if let Postgres::Private(cluster) = pg {
            note(
                &mut log,
                started,
                "PostgreSQL stopped (-m immediate)".into(),
            );
            cluster.restart(DOWN).await?;
            note(&mut log, started, "PostgreSQL restarted".into());
        } else {
            note(
                &mut log,
                started,
                "PostgreSQL is shared: not restarted".into(),
            );
        }
    }
    Ok(log)
}

/// Cluster drill: the node leading the event stream killed at 1/3 and restarted 10 s
/// later.
pub async fn cluster(
    nodes: &mut [NatsNode],
    client: &async_nats::Client,
    progress: &Progress,
    total: usize,
) -> anyhow::Result<Vec<String>> {
    let started = Instant::now();
    let mut log = Vec::new();
    if !reach(progress, total, 1.0 / 3.0).await {
        return Ok(log);
    }
    let stream = leasehold_bus::Subjects::new(PREFIX)?.stream_name();
    let leader = nats::stream_leader(client, &stream).await;
    let i = nodes
        .iter()
        .position(|n| leader.as_ref().is_some_and(|(l, _)| *l == n.name))
        .unwrap_or(1);
    let node = &mut nodes[i];
    note(
        &mut log,
        started,
        format!(
            "NATS {} killed (SIGKILL; stream {})",
            node.name,
            describe(&leader)
        ),
    );
    node.kill().await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    node.start().await?;
    note(&mut log, started, format!("NATS {} restarted", node.name));
    let new_leader = nats::stream_leader(client, &stream).await;
    note(
        &mut log,
        started,
        format!("stream now {}", describe(&new_leader)),
    );
    Ok(log)
}

fn describe(leader: &Option<(String, usize)>) -> String {
    match leader {
        Some((name, replicas)) => format!("leader {name}, {replicas} replicas"),
        None => "leader unknown".into(),
    }
}
