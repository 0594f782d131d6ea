//! Starting the worker and the projection (their crates' own run loops).

use tokio::sync::watch;
use tokio::task::JoinSet;

use std::sync::Arc;

use anyhow::Context;
use leasehold_graph::{GraphClient, GraphConfig};
use leasehold_projection::{Projector, QueryService};
use leasehold_worker::{Worker, WorkerConfig, WorkerDeps};

use crate::client::ApiClient;
use crate::config::NatsRole;
use crate::directory::GraphDirectory;
use crate::engine::{Components, Engine};
use crate::health::Tracker;
use crate::http::{Gateway, Verifier};

type Tasks = JoinSet<(&'static str, anyhow::Result<()>)>;

/// Sessions for the worker's per-user locks. One session holds any number of users'
/// locks (see the worker's `user_lock.rs`); a few spread the lock queries' round trips.
const USER_LOCK_SESSIONS: u32 = 4;

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
    let locks = leasehold_store::connect(&engine.config.database_url, USER_LOCK_SESSIONS)
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

/// Starts the HTTP gateway if selected, on `http_listen`; returns the address it
/// listens on (the real port when `http_listen` names port 0).
pub async fn start_http(
    engine: &Engine,
    components: Components,
    rx: &watch::Receiver<bool>,
    tasks: &mut Tasks,
    tracker: &Tracker,
) -> anyhow::Result<Option<std::net::SocketAddr>> {
    if !components.http {
        return Ok(None);
    }
    let settings = &engine.config.http;
    let addr = engine
        .config
        .http_listen
        .context("the http component needs http_listen (LEASEHOLD_HTTP_LISTEN)")?;
    if !engine.config.policy.is_delegate(&settings.actor) {
        tracing::warn!(
            actor = %settings.actor,
            "the HTTP gateway's actor is not in policy.delegates: the engine will refuse \
             every request it makes on behalf of a signed-in actor"
        );
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("bind the HTTP API to {addr}"))?;
    let bound = listener.local_addr()?;
    let nats = engine.nats_for(NatsRole::Http).await?;
    let api = ApiClient::new(nats, engine.subjects.clone(), &settings.actor);
    let sign_in = settings
        .sign_in
        .enabled()
        .then(|| {
            let tenant = settings
                .sign_in
                .tenant
                .clone()
                .or_else(|| settings.tenants.first().cloned())
                .context("browser sign-in needs http.sign_in.tenant or http.tenants")?;
            crate::http::SignIn::new(&settings.authority, &tenant, &settings.sign_in)
        })
        .transpose()?;
    let key = session_key(&settings.sign_in)?;
    let gateway =
        Gateway::new(api, Verifier::new(settings.clone())?, sign_in, key).stopping_with(rx.clone());
    let stop = stopped(rx);
    tracker.track(
        "http",
        tasks.spawn(async move { ("http", crate::http::serve(listener, gateway, stop).await) }),
    );
    tracing::info!(%bound, "HTTP API listening");
    Ok(Some(bound))
}

/// The key sealing session cookies: from `session_key_file` (base64, 64 bytes or
/// more), or a fresh one for this process.
fn session_key(
    settings: &crate::config::SignInSettings,
) -> anyhow::Result<crate::http::SessionKey> {
    use base64::Engine as _;
    let Some(path) = &settings.session_key_file else {
        return Ok(crate::http::SessionKey::generate());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("read the session key file {}", path.display()))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .with_context(|| format!("{} must hold base64", path.display()))?;
    crate::http::SessionKey::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("{} must hold at least 64 bytes (base64)", path.display()))
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
