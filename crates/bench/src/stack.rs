//! A whole leasehold on fresh resources, in this process: a new database, a unique NATS
//! prefix (and so its own JetStream stream), the Entra emulator on a loopback port 0.

use std::time::Duration;

use anyhow::{bail, Context};
use entra_emulator::{Emulator, EmulatorConfig, Seed, ThrottleConfig, DEMO_DOMAIN, DEMO_TENANT_ID};
use futures::{stream, StreamExt, TryStreamExt};
use leasehold::app::{self, Components, Engine, Running};
use leasehold::client::ApiClient;
use leasehold::{Config, Limits};
use leasehold_api::Operation;
use leasehold_command::Policy;
use leasehold_crypto::MasterKey;
use leasehold_store::testing::TestDb;
use serde_json::{json, Value};

/// How to build the stack.
#[derive(Clone, Debug)]
pub struct StackOptions {
    /// Generated emulator users `user0001@…` on top of the demo users.
    pub users: usize,
    /// The emulator's write throttle.
    pub throttle: ThrottleConfig,
    /// Seconds `lease.create` waits for activation.
    pub activation_wait_secs: u64,
    /// Concurrent Graph calls per connection (default: the engine's).
    pub graph_concurrency: Option<usize>,
}

impl StackOptions {
    /// `users` generated users, no throttling.
    pub fn unthrottled(users: usize) -> Self {
        Self {
            users,
            throttle: ThrottleConfig {
                enabled: false,
                ..ThrottleConfig::default()
            },
            activation_wait_secs: 10,
            graph_concurrency: None,
        }
    }
}

/// A dynamic secret the benchmark created.
#[derive(Clone, Debug)]
pub struct SecretInfo {
    /// Its name.
    pub name: String,
    /// The Entra user's object id.
    pub object_id: String,
}

/// The running stack.
pub struct Stack {
    /// The benchmark's own database (dropped with the stack).
    pub db: TestDb,
    /// The emulator.
    pub emulator: Emulator,
    /// Connected engine.
    pub engine: Engine,
    running: Option<Running>,
    /// An admin client (policy allows everything).
    pub admin: ApiClient,
}

/// A prefix no other run uses.
pub fn unique_prefix(tag: &str) -> String {
    format!("b{tag}{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

/// Per-actor limits switched off: a benchmark is not an abuser.
pub fn unlimited() -> Limits {
    Limits {
        max_live_leases_per_actor: 0,
        requests_per_second: 0,
        burst: 0,
    }
}

impl Stack {
    /// Creates the database, starts the emulator and every component.
    pub async fn start(tag: &str, options: &StackOptions) -> anyhow::Result<Stack> {
        let db = TestDb::new().await;
        Self::start_on(db, tag, options).await
    }

    /// Starts the emulator and every component on an existing fresh database.
    pub async fn start_on(db: TestDb, tag: &str, options: &StackOptions) -> anyhow::Result<Stack> {
        leasehold::tls::install_ring_provider();
        let emulator_config = EmulatorConfig {
            seed: Seed::demo().with_generated_users(DEMO_TENANT_ID, options.users),
            throttle: options.throttle.clone(),
            ..EmulatorConfig::default()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let emulator = Emulator::start(emulator_config, listener).await?;
        let config = Config {
            database_url: db.url.clone(),
            subject_prefix: unique_prefix(tag),
            activation_wait_secs: options.activation_wait_secs,
            graph_concurrency: options
                .graph_concurrency
                .unwrap_or(Config::default().graph_concurrency),
            limits: unlimited(),
            policy: Policy::allow_all(),
            // The benchmark runs against a local development NATS without authentication.
            insecure_nats: true,
            ..Config::default()
        };
        let engine = Engine::connect(config, MasterKey::generate()).await?;
        let running = app::start(&engine, Components::ALL).await?;
        let admin = ApiClient::new(engine.nats.clone(), engine.subjects.clone(), "bench");
        let stack = Stack {
            db,
            emulator,
            engine,
            running: Some(running),
            admin,
        };
        stack.connect().await?;
        Ok(stack)
    }

    /// A client for `actor`.
    pub fn client(&self, actor: &str) -> ApiClient {
        self.admin.as_actor(actor)
    }

    async fn connect(&self) -> anyhow::Result<Value> {
        connect(&self.admin, &self.emulator).await
    }

    /// Creates secrets `<prefix>-userNNNN` for generated users `first..first+count`
    /// (1-based), 100 users per request, a few requests at a time.
    pub async fn create_secrets(
        &self,
        prefix: &str,
        first: usize,
        count: usize,
        max_ttl: &str,
    ) -> anyhow::Result<Vec<SecretInfo>> {
        create_secrets(&self.admin, prefix, first, count, max_ttl).await
    }

    /// Waits until `sql` (a single bigint) returns `want` or `within` passes; returns the
    /// last value seen.
    pub async fn wait_count(&self, sql: &str, want: i64, within: Duration) -> anyhow::Result<i64> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&self.db.pool).await?;
            if n >= want || tokio::time::Instant::now() >= deadline {
                return Ok(n);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Stops the components, deletes the JetStream stream, shuts the emulator down and
    /// drops the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let stopped = match self.running.take() {
            Some(r) => r.stop().await,
            None => Ok(()),
        };
        let _ = self
            .engine
            .js
            .delete_stream(self.engine.subjects.stream_name())
            .await;
        self.engine.pool.close().await;
        self.emulator.shutdown().await;
        drop(self.db);
        stopped
    }
}

/// Creates connection `contoso` on `emulator`'s demo tenant through `admin`.
pub async fn connect(admin: &ApiClient, emulator: &Emulator) -> anyhow::Result<Value> {
    admin
        .command(
            Operation::ConnectionCreate,
            &leasehold::demo::emulator_connection("contoso", emulator),
        )
        .await
        .context(Operation::ConnectionCreate.name())
}

/// Creates secrets `<prefix>-userNNNN` for generated users `first..first+count`
/// (1-based), 100 users per request, a few requests at a time.
pub async fn create_secrets(
    admin: &ApiClient,
    prefix: &str,
    first: usize,
    count: usize,
    max_ttl: &str,
) -> anyhow::Result<Vec<SecretInfo>> {
    let users: Vec<String> = (first..first + count)
        .map(|i| format!("user{i:04}@{DEMO_DOMAIN}"))
        .collect();
    let chunks: Vec<Vec<String>> = users.chunks(100).map(|c| c.to_vec()).collect();
    let replies: Vec<Value> = stream::iter(chunks)
        .map(|chunk| async move {
            admin
                .command(
                    Operation::SecretCreate,
                    &json!({
                        "connection": "contoso", "prefix": prefix, "users": chunk,
                        "default_ttl": "1h", "max_ttl": max_ttl,
                    }),
                )
                .await
                .context(Operation::SecretCreate.name())
        })
        .buffered(4)
        .try_collect()
        .await?;
    let mut out = Vec::with_capacity(count);
    for reply in replies {
        if let Some(failed) = reply["failed"].as_array().filter(|f| !f.is_empty()) {
            bail!(
                "secret.create failed for {} users: {}",
                failed.len(),
                failed[0]
            );
        }
        for s in reply["created"].as_array().into_iter().flatten() {
            out.push(SecretInfo {
                name: s["name"].as_str().unwrap_or_default().to_string(),
                object_id: s["user_object_id"].as_str().unwrap_or_default().to_string(),
            });
        }
    }
    Ok(out)
}
