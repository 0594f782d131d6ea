//! Wiring: builds leasehold's components from configuration and runs them under one
//! shutdown signal. Tests use the same entry points with their own resources.

use std::str::FromStr;
use std::sync::Arc;

use anyhow::{bail, Context};
use async_nats::jetstream;
use leasehold_bus::{StreamSettings, Subjects};
use leasehold_command::service::{CommandService, RateLimit, ServiceConfig, ServiceLimits};
use leasehold_command::Commands;
use leasehold_crypto::MasterKey;
use leasehold_graph::GraphClient;
use leasehold_relay::Relay;
use leasehold_scheduler::{Scheduler, SchedulerConfig, SystemClock};
use leasehold_store::KeyStore;
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::Limits;
use crate::Config;

/// Which components a process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Components {
    /// NATS command service.
    pub command: bool,
    /// Outbox → JetStream relay.
    pub relay: bool,
    /// Graph worker.
    pub worker: bool,
    /// Expiry scheduler.
    pub scheduler: bool,
    /// Read-model projector and query service.
    pub projection: bool,
}

impl Components {
    /// Every component.
    pub const ALL: Components = Components {
        command: true,
        relay: true,
        worker: true,
        scheduler: true,
        projection: true,
    };
}

impl FromStr for Components {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        let mut c = Components {
            command: false,
            relay: false,
            worker: false,
            scheduler: false,
            projection: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "command" => c.command = true,
                "relay" => c.relay = true,
                "worker" => c.worker = true,
                "scheduler" => c.scheduler = true,
                "projection" => c.projection = true,
                "all" => c = Components::ALL,
                other => bail!(
                    "unknown component {other:?}; use command, relay, worker, scheduler, projection"
                ),
            }
        }
        if !(c.command || c.relay || c.worker || c.scheduler || c.projection) {
            bail!("no component selected");
        }
        Ok(c)
    }
}

/// Connected resources shared by the components of one process.
#[derive(Clone)]
pub struct Engine {
    /// The configuration.
    pub config: Config,
    /// Postgres pool.
    pub pool: PgPool,
    /// Command execution.
    pub commands: Arc<Commands>,
    /// NATS client.
    pub nats: async_nats::Client,
    /// JetStream context.
    pub js: jetstream::Context,
    /// Subject names.
    pub subjects: Subjects,
    /// Graph client.
    pub graph: GraphClient,
}

impl Engine {
    /// Connects to Postgres (creating the database if needed, migrating it) and NATS
    /// (creating the event stream if needed).
    pub async fn connect(config: Config, master: MasterKey) -> anyhow::Result<Engine> {
        crate::tls::install_ring_provider();
        config.validate()?;
        let subjects = Subjects::new(&config.subject_prefix)?;
        crate::database::ensure_database(&config.database_url).await?;
        let pool = leasehold_store::connect(&config.database_url, 32).await?;
        leasehold_store::migrate(&pool).await?;
        let nats = leasehold_bus::connect(&config.nats_url, "leasehold").await?;
        let js = jetstream::new(nats.clone());
        let settings = StreamSettings {
            replicas: config.stream_replicas,
            ..Default::default()
        };
        leasehold_bus::ensure_stream(&js, &subjects, &settings).await?;
        let graph = GraphClient::new(config.graph()).context("build the Graph client")?;
        let keys =
            KeyStore::new(pool.clone(), master).with_previous(config.previous_master_keys()?);
        let commands = Arc::new(Commands::new(pool.clone(), keys));
        Ok(Engine {
            config,
            pool,
            commands,
            nats,
            js,
            subjects,
            graph,
        })
    }
}

/// The per-actor request rate of `limits`, for the command and query services.
pub fn rate_limit(limits: &Limits) -> RateLimit {
    RateLimit {
        requests_per_second: limits.requests_per_second,
        burst: limits.burst,
    }
}

fn command_limits(limits: &Limits) -> ServiceLimits {
    ServiceLimits {
        rate: rate_limit(limits),
        max_live_leases_per_actor: limits.max_live_leases_per_actor,
    }
}

/// Running components; stop them with [`Running::stop`].
pub struct Running {
    stop: watch::Sender<bool>,
    tasks: JoinSet<(&'static str, anyhow::Result<()>)>,
}

fn signal(rx: &watch::Receiver<bool>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut rx = rx.clone();
    async move {
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

/// Starts the selected components in this process.
pub async fn start(engine: &Engine, components: Components) -> anyhow::Result<Running> {
    let (stop, rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    if components.relay {
        let relay = Relay::new(
            engine.pool.clone(),
            engine.js.clone(),
            engine.subjects.clone(),
        );
        let s = signal(&rx);
        tasks.spawn(async move { ("relay", relay.run(s).await) });
    }
    if components.scheduler {
        let scheduler = Scheduler::new(
            engine.commands.clone(),
            Arc::new(SystemClock),
            SchedulerConfig::default(),
        );
        let s = signal(&rx);
        tasks.spawn(async move { ("scheduler", scheduler.run(s).await) });
    }
    if components.command {
        let service = CommandService::new(
            engine.commands.clone(),
            engine.graph.clone(),
            engine.config.policy.clone(),
            engine.subjects.clone(),
            ServiceConfig {
                activation_wait: engine.config.activation_wait(),
                limits: command_limits(&engine.config.limits),
                ..Default::default()
            },
        );
        let client = engine.nats.clone();
        let s = signal(&rx);
        tasks.spawn(async move { ("command", service.run(client, s).await) });
    }
    if let Some(addr) = engine.config.metrics_listen {
        let listener = crate::metrics::bind(addr).await?;
        let pool = engine.pool.clone();
        let s = signal(&rx);
        tasks.spawn(async move { ("metrics", crate::metrics::serve(pool, listener, s).await) });
    }
    crate::components::start_worker(engine, components, &rx, &mut tasks).await?;
    crate::components::start_projection(engine, components, &rx, &mut tasks).await?;
    Ok(Running { stop, tasks })
}

impl Running {
    /// Signals every component to stop and waits for them; returns the first failure.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let mut first = Ok(());
        while let Some(done) = self.tasks.join_next().await {
            match done {
                Ok((name, Err(e))) if first.is_ok() => first = Err(e.context(name)),
                Err(e) if first.is_ok() => first = Err(anyhow::anyhow!("component panicked: {e}")),
                _ => {}
            }
        }
        first
    }

    /// Waits until a component ends by itself (an error) or `shutdown` resolves.
    pub async fn wait(
        mut self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        tokio::select! {
            _ = shutdown => self.stop().await,
            Some(done) = self.tasks.join_next() => {
                let result = match done {
                    Ok((name, Ok(()))) => Err(anyhow::anyhow!("component {name} stopped unexpectedly")),
                    Ok((name, Err(e))) => Err(e.context(name)),
                    Err(e) => Err(anyhow::anyhow!("component panicked: {e}")),
                };
                let _ = self.stop().await;
                result
            }
        }
    }
}
