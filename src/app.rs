//! Wiring: builds leasehold's components from configuration and runs them under one
//! shutdown signal. Tests use the same entry points with their own resources.

use std::str::FromStr;
use std::sync::Arc;

use anyhow::{bail, Context};
use async_nats::jetstream;
use leasehold_bus::{AnonymousAccess, NatsEndpoint, StreamSettings, Subjects};
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

use crate::config::{Limits, NatsRole};
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
    /// The identity a process running these components connects as first.
    fn first_role(self) -> NatsRole {
        if self.relay {
            NatsRole::Relay
        } else if self.worker {
            NatsRole::Worker
        } else if self.projection {
            NatsRole::Projection
        } else {
            NatsRole::Command
        }
    }

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
    /// NATS connection of the first identity this process needs (the relay's when it
    /// runs the relay); with one identity for everything, every component's.
    pub nats: async_nats::Client,
    /// JetStream context over [`Engine::nats`].
    pub js: jetstream::Context,
    /// Subject names.
    pub subjects: Subjects,
    /// Graph client.
    pub graph: GraphClient,
    /// One connection per distinct NATS identity, shared by the components using it.
    connections: Arc<tokio::sync::Mutex<Vec<(NatsEndpoint, async_nats::Client)>>>,
}

impl Engine {
    /// Connects to Postgres (creating the database if needed, migrating it) and NATS
    /// (creating the event stream if needed), for every component.
    pub async fn connect(config: Config, master: MasterKey) -> anyhow::Result<Engine> {
        Self::connect_for(config, master, Components::ALL).await
    }

    /// Like [`Engine::connect`] for a process running `components`: it connects to NATS
    /// first as the identity of the relay if it runs the relay (which may create the
    /// stream), else of the first component it runs.
    pub async fn connect_for(
        config: Config,
        master: MasterKey,
        components: Components,
    ) -> anyhow::Result<Engine> {
        crate::tls::install_ring_provider();
        config.validate()?;
        let subjects = Subjects::new(&config.subject_prefix)?;
        crate::database::ensure_database(&config.database_url).await?;
        let pool = leasehold_store::connect(&config.database_url, 32).await?;
        leasehold_store::migrate(&pool).await?;
        let role = components.first_role();
        let endpoint = config.nats_endpoint(role);
        let nats = endpoint
            .connect(&format!("leasehold-{}", role.name()), None)
            .await?;
        let js = jetstream::new(nats.clone());
        if role == NatsRole::Relay || endpoint == config.nats_endpoint(NatsRole::Relay) {
            let settings = StreamSettings {
                replicas: config.stream_replicas,
                ..Default::default()
            };
            leasehold_bus::ensure_stream(&js, &subjects, &settings).await?;
        }
        let graph = GraphClient::new(config.graph()).context("build the Graph client")?;
        let keys =
            KeyStore::new(pool.clone(), master).with_previous(config.previous_master_keys()?);
        let commands = Arc::new(Commands::new(pool.clone(), keys));
        Ok(Engine {
            config,
            pool,
            commands,
            connections: Arc::new(tokio::sync::Mutex::new(vec![(endpoint, nats.clone())])),
            nats,
            js,
            subjects,
            graph,
        })
    }

    /// The NATS connection of `role`'s identity (one per distinct identity).
    pub async fn nats_for(&self, role: NatsRole) -> anyhow::Result<async_nats::Client> {
        let endpoint = self.config.nats_endpoint(role);
        let mut connections = self.connections.lock().await;
        if let Some((_, client)) = connections.iter().find(|(e, _)| *e == endpoint) {
            return Ok(client.clone());
        }
        let client = endpoint
            .connect(&format!("leasehold-{}", role.name()), None)
            .await
            .with_context(|| format!("connect to NATS as the {} identity", role.name()))?;
        connections.push((endpoint, client.clone()));
        Ok(client)
    }

    /// Refuses to serve requests on a NATS where a client without credentials may
    /// publish them (anyone could claim any actor), unless `insecure_nats` says so.
    pub async fn check_nats_refuses_strangers(&self) -> anyhow::Result<()> {
        if self.config.insecure_nats {
            tracing::warn!(
                "insecure_nats = true: not checking that NATS keeps clients without \
                 credentials out; never serve like this outside development"
            );
            return Ok(());
        }
        let endpoint = self.config.nats_endpoint(NatsRole::Command);
        match leasehold_bus::check_anonymous_refused(
            &endpoint,
            &self.subjects,
            &self.config.policy.admins,
        )
        .await
        {
            AnonymousAccess::Refused(_) | AnonymousAccess::Confined => Ok(()),
            AnonymousAccess::Open(why) => bail!(
                "refusing to serve commands and queries: {why}, so anyone could claim to be \
                 any actor, admin included. Require authentication on the NATS server \
                 (deploy/nats/leasehold.conf, docs/nats-security.md), or on a development \
                 machine set insecure_nats = true (LEASEHOLD_INSECURE_NATS=true)"
            ),
        }
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

/// How long stopping may take: requests in flight are answered (a `lease.create` waits
/// at most `activation_wait_secs`, 10 s by default) and handlers finish; whatever is
/// still running after this is aborted.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

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
    if components.command || components.projection {
        engine.check_nats_refuses_strangers().await?;
    }
    let (stop, rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let tracker = crate::health::Tracker::default();
    if components.relay {
        let relay = Relay::new(
            engine.pool.clone(),
            jetstream::new(engine.nats_for(NatsRole::Relay).await?),
            engine.subjects.clone(),
        )
        .with_stream_settings(StreamSettings {
            replicas: engine.config.stream_replicas,
            ..Default::default()
        });
        let s = signal(&rx);
        tracker.track(
            "relay",
            tasks.spawn(async move { ("relay", relay.run(s).await) }),
        );
    }
    if components.scheduler {
        let scheduler = Scheduler::new(
            engine.commands.clone(),
            Arc::new(SystemClock),
            SchedulerConfig::default(),
        );
        let s = signal(&rx);
        tracker.track(
            "scheduler",
            tasks.spawn(async move { ("scheduler", scheduler.run(s).await) }),
        );
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
        let client = engine.nats_for(NatsRole::Command).await?;
        let s = signal(&rx);
        tracker.track(
            "command",
            tasks.spawn(async move { ("command", service.run(client, s).await) }),
        );
    }
    crate::components::start_worker(engine, components, &rx, &mut tasks, &tracker).await?;
    crate::components::start_projection(engine, components, &rx, &mut tasks, &tracker).await?;
    if let Some(addr) = engine.config.metrics_listen {
        let listener = crate::metrics::bind(addr).await?;
        let health = crate::health::Health::for_engine(engine, components, tracker).await?;
        let pool = engine.pool.clone();
        let s = signal(&rx);
        tasks.spawn(async move {
            let served = crate::metrics::serve_with_health(pool, health, listener, s).await;
            ("metrics", served)
        });
    }
    Ok(Running { stop, tasks })
}

impl Running {
    /// Signals every component to stop and waits up to [`SHUTDOWN_GRACE`] for them to
    /// finish their work in flight; returns the first failure. Components still running
    /// after the grace are aborted (whatever they had not acknowledged is redelivered)
    /// and reported as a failure.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        let mut first = Ok(());
        loop {
            match tokio::time::timeout_at(deadline, self.tasks.join_next()).await {
                Ok(None) => break,
                Ok(Some(Ok((name, Err(e))))) if first.is_ok() => first = Err(e.context(name)),
                Ok(Some(Err(e))) if first.is_ok() && !e.is_cancelled() => {
                    first = Err(anyhow::anyhow!("component panicked: {e}"))
                }
                Ok(Some(_)) => {}
                Err(_) => {
                    let left = self.tasks.len();
                    tracing::error!(
                        components = left,
                        grace_secs = SHUTDOWN_GRACE.as_secs(),
                        "components did not stop within the shutdown grace; aborted"
                    );
                    self.tasks.abort_all();
                    while self.tasks.join_next().await.is_some() {}
                    if first.is_ok() {
                        first = Err(anyhow::anyhow!(
                            "{left} component(s) did not stop within {} s and were aborted",
                            SHUTDOWN_GRACE.as_secs()
                        ));
                    }
                    break;
                }
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
