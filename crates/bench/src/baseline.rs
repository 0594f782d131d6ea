//! Same-machine, same-run reference figures: what Postgres alone does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::stats::Latencies;

/// Rate and latency of single-row insert transactions.
#[derive(Debug)]
pub struct InsertRate {
    /// Committed transactions per second.
    pub per_sec: f64,
    /// Latency of each transaction.
    pub latencies: Latencies,
}

/// `tasks` concurrent loops, each inserting one row per transaction (autocommit) over a
/// pool of `connections`, for `duration`, into a scratch table of the database at `url`.
pub async fn insert_rate(
    url: &str,
    tasks: usize,
    connections: u32,
    duration: Duration,
) -> anyhow::Result<InsertRate> {
    let pool = leasehold_store::connect(url, connections).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_baseline
           (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            actor text NOT NULL, at timestamptz NOT NULL DEFAULT now(), payload json NOT NULL)",
    )
    .execute(&pool)
    .await?;
    // Open every connection first so the timed part does not include connecting.
    let mut warm = Vec::new();
    for _ in 0..connections {
        warm.push(pool.acquire().await?);
    }
    drop(warm);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let pool = pool.clone();
        let stop = stop.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Latencies::default();
            let actor = format!("task-{t}");
            while !stop.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                sqlx::query("INSERT INTO bench_baseline (actor, payload) VALUES ($1, $2)")
                    .bind(&actor)
                    .bind(serde_json::json!({"lease_id": uuid::Uuid::now_v7(), "ttl": 3600}))
                    .execute(&pool)
                    .await?;
                lat.push(t0.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Latencies::default();
    for h in handles {
        latencies.extend(&h.await??);
    }
    let secs = started.elapsed().as_secs_f64();
    sqlx::query("DROP TABLE bench_baseline")
        .execute(&pool)
        .await?;
    pool.close().await;
    Ok(InsertRate {
        per_sec: latencies.len() as f64 / secs,
        latencies,
    })
}
