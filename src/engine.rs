//! The connected resources of one process ([`Engine`]) and which components it runs
//! ([`Components`]); `app` starts the components, `components` and `health` read both.

use std::str::FromStr;
use std::sync::Arc;

use anyhow::{bail, Context};
use async_nats::jetstream;
use leasehold_bus::{AnonymousAccess, NatsEndpoint, StreamSettings, Subjects};
use leasehold_command::service::RateLimit;
use leasehold_command::Commands;
use leasehold_crypto::MasterKey;
use leasehold_graph::GraphClient;
use leasehold_store::KeyStore;
use sqlx::PgPool;

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
    /// HTTP gateway (not part of `all`: it needs `http_listen` and `[http]`).
    pub http: bool,
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
        } else if self.http && !self.command {
            NatsRole::Http
        } else {
            NatsRole::Command
        }
    }

    /// Every engine component (the HTTP gateway is chosen on its own).
    pub const ALL: Components = Components {
        command: true,
        relay: true,
        worker: true,
        scheduler: true,
        projection: true,
        http: false,
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
            http: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "command" => c.command = true,
                "relay" => c.relay = true,
                "worker" => c.worker = true,
                "scheduler" => c.scheduler = true,
                "projection" => c.projection = true,
                "http" => c.http = true,
                "all" => {
                    c = Components {
                        http: c.http,
                        ..Components::ALL
                    }
                }
                other => bail!(
                    "unknown component {other:?}; use command, relay, worker, scheduler, \
                     projection, http"
                ),
            }
        }
        if !(c.command || c.relay || c.worker || c.scheduler || c.projection || c.http) {
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
