//! Starting the worker and the projection (their crates' own run loops).

use tokio::sync::watch;
use tokio::task::JoinSet;

use std::sync::Arc;

use anyhow::Context;
use leasehold_graph::{GraphClient, GraphConfig};
use leasehold_projection::{Projector, QueryService};
use leasehold_worker::{Worker, WorkerConfig, WorkerDeps};

use crate::config::NatsRole;
use crate::directory::GraphDirectory;
use crate::engine::{Components, Engine};
use crate::health::Tracker;

type Tasks = JoinSet<(&'static str, anyhow::Result<()>)>;

/// Connections for the worker's per-user locks: the most password writes (each holding
/// one lock while Graph answers and the outcome is appended) in flight in one worker.
const USER_LOCK_CONNECTIONS: u32 = 24;

/// Starts the Graph worker if selected.
pub async fn start_worker(
    engine: &Engine,
    components: Components,
    rx: &watch::Receiver<bool>,
    tasks: &mut Tasks,
    tracker: &Tracker,
) -> anyhow::Result<()> {
    if !components.worker {
        return Ok(());
    }
    // One Graph attempt per call: every failed attempt becomes an event in the lease's
    // history, and the retry (with backoff or the server's Retry-After) is the worker's.
    let graph = GraphClient::new(GraphConfig {
        max_attempts: 1,
        ..engine.config.graph()
    })?;
    // A user lock holds its session across Graph calls: the locks get connections of
    // their own, so they never take the ones the appends and loads need.
    let locks = leasehold_store::connect(&engine.config.database_url, USER_LOCK_CONNECTIONS)
        .await
        .context("user-lock connections")?;
    let deps = WorkerDeps {
        commands: engine.commands.clone(),
        graph,
        js: async_nats::jetstream::new(engine.nats_for(NatsRole::Worker).await?),
        subjects: engine.subjects.clone(),
        pool: locks,
    };
    let retry_deadline = engine.config.graph().retry_deadline;
    let config = WorkerConfig {
        graph_concurrency: engine.config.graph_concurrency,
        ack_wait: (retry_deadline * 2).max(std::time::Duration::from_secs(10)),
        ..Default::default()
    };
    let worker = Worker::new(deps, config);
    worker.setup().await?;
    let stop = stopped(rx);
    tracker.track(
        "worker",
        tasks.spawn(async move { ("worker", worker.run(stop).await) }),
    );
    Ok(())
}

fn stopped(rx: &watch::Receiver<bool>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut rx = rx.clone();
    async move {
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

/// Starts the projector and the query service if selected.
pub async fn start_projection(
    engine: &Engine,
    components: Components,
    rx: &watch::Receiver<bool>,
    tasks: &mut Tasks,
    tracker: &Tracker,
) -> anyhow::Result<()> {
    if !components.projection {
        return Ok(());
    }
    let js = async_nats::jetstream::new(engine.nats_for(NatsRole::Projection).await?);
    let projector = Projector::new(engine.pool.clone(), &js, &engine.subjects).await?;
    let stop = stopped(rx);
    tracker.track(
        "projector",
        tasks.spawn(async move { ("projector", projector.run(stop).await) }),
    );
    let directory = Arc::new(GraphDirectory::new(
        engine.commands.clone(),
        engine.graph.clone(),
    ));
    let queries = QueryService::new(
        engine.pool.clone(),
        engine.commands.clone(),
        directory,
        engine.config.policy.clone(),
        engine.subjects.clone(),
    )
    .with_rate_limit(crate::engine::rate_limit(&engine.config.limits));
    let client = engine.nats_for(NatsRole::Query).await?;
    let stop = stopped(rx);
    tracker.track(
        "queries",
        tasks.spawn(async move { ("queries", queries.run(client, stop).await) }),
    );
    Ok(())
}
