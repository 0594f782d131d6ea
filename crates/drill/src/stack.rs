//! Everything one drill runs on: a temp dir, the emulator in this process, PostgreSQL,
//! private nats-servers, and the engine's components as child processes of the release
//! binary. Dropping the stack kills every child and drops the drill's database.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use base64::Engine as _;
use entra_emulator::{
    Emulator, EmulatorConfig, FaultConfig, Seed, ThrottleConfig, DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET, DEMO_TENANT_ID,
};
use leasehold::client::{ApiClient, ApiError};
use leasehold_api::{ErrorCode, Operation};
use rand::RngCore;
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::sync::Mutex;

use crate::nats::{self, NatsNode};
use crate::opts::{Opts, PgChoice, Sizes};
use crate::pg::{Postgres, PrivateCluster};
use crate::procs::Fleet;

/// Subject prefix of the drill's installation (its NATS servers are its own).
pub const PREFIX: &str = "drill";

/// How a drill wants its stack built.
pub struct Shape {
    /// NATS nodes: 1, or 3 for a cluster.
    pub nats_nodes: usize,
    /// Processes per component.
    pub copies: usize,
    /// Where PostgreSQL lives.
    pub postgres: PgChoice,
}

/// The running stack. Field order is drop order: children first.
pub struct Stack {
    /// The component processes (shared with the chaos task).
    pub fleet: Arc<Mutex<Fleet>>,
    /// The private nats-servers.
    pub nats_nodes: Vec<NatsNode>,
    /// The drill's database.
    pub pg: Postgres,
    /// The Entra emulator.
    pub emulator: Emulator,
    /// The drill's own NATS client.
    pub nats: async_nats::Client,
    /// An API client (actor `drill`).
    pub api: ApiClient,
    /// A pool on the drill's database.
    pub pool: PgPool,
    /// The temp dir with config, logs and data.
    pub dir: PathBuf,
}

/// Fails with a hint when the engine binary has not been built.
pub fn check_binary(binary: &Path) -> anyhow::Result<()> {
    if !binary.exists() {
        bail!(
            "{} not found: build it first with `cargo build --release -p leasehold` \
             (or pass --binary)",
            binary.display()
        );
    }
    Ok(())
}

fn config_toml(replicas: usize) -> String {
    format!(
        r#"subject_prefix = "{PREFIX}"
stream_replicas = {replicas}
activation_wait_secs = 3
graph_retry_deadline_secs = 5
graph_request_timeout_secs = 3

[limits]
max_live_leases_per_actor = 0
requests_per_second = 0
burst = 0

[[policy.rules]]
actors = ["*"]
ops = ["*"]
secrets = ["*"]
"#
    )
}

impl Stack {
    /// Builds and starts everything, creates the connection and the secrets, then turns
    /// the Graph faults and the throttle on.
    pub async fn start(opts: &Opts, sizes: &Sizes, shape: Shape) -> anyhow::Result<Stack> {
        check_binary(&opts.binary)?;
        let dir = std::env::temp_dir().join(format!(
            "leasehold-drill-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        ));
        std::fs::create_dir_all(&dir)?;
        println!("drill: working in {}", dir.display());
        let emulator = Emulator::start(
            EmulatorConfig {
                seed: Seed::demo().with_generated_users(DEMO_TENANT_ID, sizes.secrets),
                throttle: ThrottleConfig {
                    enabled: false,
                    ..Default::default()
                },
                ..Default::default()
            },
            tokio::net::TcpListener::bind("127.0.0.1:0").await?,
        )
        .await?;
        let pg = match shape.postgres {
            PgChoice::Shared => Postgres::shared(&opts.admin_database_url).await?,
            PgChoice::Private => Postgres::Private(PrivateCluster::create(&dir).await?),
        };
        let db_url = pg.url();
        leasehold::database::ensure_database(&db_url).await?;
        let mut nats_nodes = nats::nodes(&opts.nats_server, &dir, shape.nats_nodes)?;
        for node in &mut nats_nodes {
            node.start().await?;
        }
        let urls: Vec<String> = nats_nodes.iter().map(NatsNode::url).collect();
        let nats = nats::connect(&urls).await?;
        nats::wait_jetstream(&nats).await?;
        nats::wait_placement(&nats, shape.nats_nodes.min(3)).await?;
        let config = dir.join("leasehold.toml");
        std::fs::write(&config, config_toml(shape.nats_nodes.min(3)))?;
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        let env = vec![
            ("LEASEHOLD_CONFIG".into(), config.display().to_string()),
            ("LEASEHOLD_DATABASE_URL".into(), db_url.clone()),
            (
                "LEASEHOLD_MASTER_KEY".into(),
                base64::engine::general_purpose::STANDARD.encode(key),
            ),
            ("RUST_LOG".into(), "info".into()),
        ];
        let mut fleet = Fleet::new(&opts.binary, env, urls.clone(), &dir, shape.copies);
        fleet.start_all()?;
        let pool = leasehold_store::connect(&db_url, 8).await?;
        let api = crate::workload::client(nats.clone(), PREFIX)?;
        let stack = Stack {
            fleet: Arc::new(Mutex::new(fleet)),
            nats_nodes,
            pg,
            emulator,
            nats,
            api,
            pool,
            dir,
        };
        stack.setup(sizes).await?;
        let rate = (sizes.concurrency / 5).max(15) as u32;
        let state = stack.emulator.state();
        state.set_throttle(ThrottleConfig {
            enabled: true,
            writes: rate * 2,
            per: Duration::from_secs(2),
        });
        state.set_faults(FaultConfig {
            error_rate: opts.error_rate,
            ..Default::default()
        });
        println!(
            "drill: Graph faults {:.0}% 503/504, throttle {} writes per 2 s",
            opts.error_rate * 100.0,
            rate * 2
        );
        Ok(stack)
    }

    /// Sends an admin command until the engine answers it (it may still be starting).
    async fn admin(&self, op: Operation, payload: &Value) -> anyhow::Result<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            match self.api.command(op, payload).await {
                Ok(v) => return Ok(v),
                Err(ApiError::Refused { code, message, .. }) if code != ErrorCode::Unavailable => {
                    bail!("{op}: {code}: {message}")
                }
                Err(e) if tokio::time::Instant::now() > deadline => {
                    return Err(e).with_context(|| format!("{op}: engine not answering"))
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    }

    async fn setup(&self, sizes: &Sizes) -> anyhow::Result<()> {
        let base = self.emulator.base_url();
        self.admin(
            Operation::ConnectionCreate,
            &json!({
                "name": "contoso", "tenant_id": DEMO_TENANT_ID,
                "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
                "cloud": { "kind": "custom", "login_url": base, "graph_url": base },
            }),
        )
        .await?;
        let users: Vec<usize> = (1..=sizes.secrets).collect();
        for chunk in users.chunks(100) {
            let upns: Vec<String> = chunk
                .iter()
                .map(|i| crate::ledger::secret_of(*i).1)
                .collect();
            let reply = self
                .admin(
                    Operation::SecretCreate,
                    &json!({ "connection": "contoso", "prefix": "d", "users": upns,
                             "default_ttl": "10s", "max_ttl": "2h" }),
                )
                .await?;
            if reply["failed"].as_array().is_some_and(|f| !f.is_empty()) {
                bail!(
                    "{} failed for some users: {}",
                    Operation::SecretCreate,
                    reply["failed"]
                );
            }
        }
        println!("drill: {} secrets created", sizes.secrets);
        Ok(())
    }

    /// Every component log, for the failure message.
    pub fn logs_hint(&self) -> String {
        format!("component and server logs: {}/*.log", self.dir.display())
    }
}
