//! Spawns leasehold on fresh resources: its own database, its own subject prefix, an
//! emulator on port 0, all components in-process.
#![allow(dead_code)]

pub mod contract;
pub mod replies;

use std::collections::HashMap;
use std::time::Duration;

use entra_emulator::{
    AppSeed, ClientSecretSeed, Emulator, EmulatorConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
    DEMO_TENANT_ID,
};
use leasehold::app::{self, Components, Engine, Running};
use leasehold::client::ApiClient;
use leasehold::signin::{sign_in, SignIn};
use leasehold::{Config, Limits};
use leasehold_api::Operation;
use leasehold_command::Policy;
use leasehold_crypto::MasterKey;
use leasehold_store::testing::TestDb;
use serde_json::{json, Value};

pub struct TestApp {
    pub db: TestDb,
    pub emulator: Emulator,
    pub engine: Engine,
    pub running: Option<Running>,
    pub admin: ApiClient,
    pub http: reqwest::Client,
    /// On a NATS server that authenticates actors (`TestApp::spawn_secured`), each
    /// actor's own login; empty on the open development NATS, where any connection may
    /// speak as anyone.
    pub actors: HashMap<String, ActorLogin>,
    /// Every reply `admin` and the clients of [`TestApp::client`] received.
    pub replies: replies::Captured,
}

/// An actor's own NATS login: its URL (with the credentials) and a client over it.
#[derive(Clone)]
pub struct ActorLogin {
    pub url: String,
    pub api: ApiClient,
}

/// The demo tenant plus application `client_id` (client secret `secret`) that may only
/// read users and holds no directory role.
pub fn with_weak_app(client_id: &str, secret: &str) -> EmulatorConfig {
    let mut config = EmulatorConfig::default();
    config.seed.tenants[0].applications.push(AppSeed {
        client_id: client_id.parse().expect("uuid"),
        display_name: "weak".into(),
        secrets: vec![ClientSecretSeed {
            value: secret.into(),
            expires_at: None,
        }],
        permissions: vec!["User.Read.All".into()],
        directory_roles: Vec::new(),
        ..Default::default()
    });
    config
}

pub use leasehold_testkit::nats::unique_prefix;

/// The demo tenant whose application also accepts the client secrets `secrets`.
pub fn accepting_secrets(secrets: &[&str]) -> EmulatorConfig {
    let mut config = EmulatorConfig::default();
    let app = &mut config.seed.tenants[0].applications[0];
    for s in secrets {
        app.secrets.push(ClientSecretSeed {
            value: s.to_string(),
            expires_at: None,
        });
    }
    config
}

/// An emulator with `config` on a free loopback port.
pub async fn start_emulator(config: EmulatorConfig) -> Emulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    Emulator::start(config, listener).await.expect("emulator")
}

/// `leasehold serve` on the development NATS under subject prefix `prefix`, from an
/// empty environment but for the database, the master key, `admin` as the only admin and
/// no request rate limit.
pub fn serve_command(db_url: &str, prefix: &str, master: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_leasehold"));
    command
        .arg("serve")
        .env_clear()
        .env("LEASEHOLD_DATABASE_URL", db_url)
        .env("LEASEHOLD_NATS_URL", leasehold_testkit::nats::DEFAULT_URL)
        .env("LEASEHOLD_INSECURE_NATS", "true")
        .env("LEASEHOLD_SUBJECT_PREFIX", prefix)
        .env("LEASEHOLD_MASTER_KEY", master)
        // Sections from the environment, the `__` way.
        .env("LEASEHOLD_POLICY__ADMINS", "[\"admin\"]")
        .env("LEASEHOLD_LIMITS__REQUESTS_PER_SECOND", "0");
    command
}

/// `secret.create` on connection `contoso` for `<prefix>-<user>` secrets of the demo
/// `users`, with `ttl` (default and max) when given, else the engine's defaults.
pub fn secrets_request(prefix: &str, users: &[&str], ttl: Option<(&str, &str)>) -> Value {
    let upns: Vec<String> = users
        .iter()
        .map(|u| format!("{u}@contoso.onmicrosoft.com"))
        .collect();
    let mut request = json!({ "connection": "contoso", "prefix": prefix, "users": upns });
    if let Some((default_ttl, max_ttl)) = ttl {
        request["default_ttl"] = default_ttl.into();
        request["max_ttl"] = max_ttl.into();
    }
    request
}

/// As `admin`: connection `contoso` on `emulator`'s demo tenant, then the secrets of
/// [`secrets_request`].
pub async fn set_up_tenant(
    admin: &ApiClient,
    emulator: &Emulator,
    prefix: &str,
    users: &[&str],
    ttl: Option<(&str, &str)>,
) {
    admin
        .command(
            Operation::ConnectionCreate,
            &leasehold::demo::emulator_connection("contoso", emulator),
        )
        .await
        .expect("connection.create");
    admin
        .command(
            Operation::SecretCreate,
            &secrets_request(prefix, users, ttl),
        )
        .await
        .expect("secret.create");
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(
            EmulatorConfig::default(),
            Components::ALL,
            Policy::allow_all(),
        )
        .await
    }

    pub async fn spawn_with(
        emulator_config: EmulatorConfig,
        components: Components,
        policy: Policy,
    ) -> TestApp {
        Self::spawn_custom(emulator_config, components, policy, |_| {}).await
    }

    pub async fn spawn_custom(
        emulator_config: EmulatorConfig,
        components: Components,
        policy: Policy,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        Self::spawn_keyed(
            emulator_config,
            components,
            policy,
            MasterKey::generate(),
            tweak,
        )
        .await
    }

    /// Like [`TestApp::spawn_custom`] with the master key given (a second process of
    /// the same engine needs it).
    pub async fn spawn_keyed(
        emulator_config: EmulatorConfig,
        components: Components,
        policy: Policy,
        key: MasterKey,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        Self::spawn_beside(emulator_config, components, policy, key, |c, _| tweak(c)).await
    }

    /// Like [`TestApp::spawn_keyed`], the configuration tweaked knowing the emulator's
    /// base URL (for settings that point at it, such as the HTTP API's authority).
    pub async fn spawn_beside(
        emulator_config: EmulatorConfig,
        components: Components,
        policy: Policy,
        key: MasterKey,
        tweak: impl FnOnce(&mut Config, &str),
    ) -> TestApp {
        leasehold::tls::install_ring_provider();
        let db = TestDb::new().await;
        let emulator = start_emulator(emulator_config).await;
        let mut config = Config {
            database_url: db.url.clone(),
            subject_prefix: unique_prefix(),
            activation_wait_secs: 10,
            graph_retry_deadline_secs: 20,
            policy,
            // The shared test NATS (127.0.0.1:4222) has no authentication; tests against
            // the shipped configuration (tests/nats_server) turn the check back on.
            insecure_nats: true,
            // Abuse limits are off unless a test turns them on (tests/abuse_limits.rs):
            // load and fault tests lease hundreds of secrets as one actor.
            limits: Limits {
                max_live_leases_per_actor: 0,
                requests_per_second: 0,
                burst: 0,
            },
            ..Config::default()
        };
        tweak(&mut config, emulator.base_url());
        let engine = Engine::connect(config, key).await.expect("engine");
        let running = app::start(&engine, components).await.expect("start");
        let replies = replies::Captured::default();
        let admin = replies.observe(ApiClient::new(
            engine.nats.clone(),
            engine.subjects.clone(),
            "admin",
        ));
        TestApp {
            db,
            emulator,
            engine,
            running: Some(running),
            admin,
            http: reqwest::Client::new(),
            actors: HashMap::new(),
            replies,
        }
    }

    /// A client speaking as `actor`: over its own login where NATS authenticates
    /// actors, else over the engine's connection.
    pub fn client(&self, actor: &str) -> ApiClient {
        if self.actors.is_empty() {
            return self.admin.as_actor(actor);
        }
        match self.actors.get(actor) {
            Some(login) => login.api.clone(),
            None => panic!("{actor} has no login on this app's NATS server"),
        }
    }

    /// The NATS URL `actor` connects with (its credentials in it where NATS
    /// authenticates actors).
    pub fn nats_url(&self, actor: &str) -> String {
        if self.actors.is_empty() {
            return self.engine.config.nats_url.clone();
        }
        match self.actors.get(actor) {
            Some(login) => login.url.clone(),
            None => panic!("{actor} has no login on this app's NATS server"),
        }
    }

    /// Creates connection `contoso` on the emulator's demo tenant.
    pub async fn connect(&self) -> Value {
        self.connect_named("contoso").await
    }

    /// Creates connection `name` on the emulator's demo tenant.
    pub async fn connect_named(&self, name: &str) -> Value {
        self.admin
            .command(
                Operation::ConnectionCreate,
                &leasehold::demo::emulator_connection(name, &self.emulator),
            )
            .await
            .expect("connection.create")
    }

    /// Creates `<prefix>-<user>` secrets for the given demo users.
    pub async fn secrets(
        &self,
        prefix: &str,
        users: &[&str],
        default_ttl: &str,
        max_ttl: &str,
    ) -> Value {
        let request = secrets_request(prefix, users, Some((default_ttl, max_ttl)));
        self.admin
            .command(Operation::SecretCreate, &request)
            .await
            .expect("secret.create")
    }

    /// Creates `<prefix>-userNNNN` secrets on `connection` for the emulator's numbered
    /// users 1 to `count`, a hundred a request; every one must be created.
    pub async fn numbered_secrets(&self, connection: &str, prefix: &str, count: usize) {
        for chunk in (1..=count).collect::<Vec<_>>().chunks(100) {
            let users: Vec<String> = chunk
                .iter()
                .map(|i| format!("user{i:04}@contoso.onmicrosoft.com"))
                .collect();
            let created = self
                .admin
                .command(
                    Operation::SecretCreate,
                    &json!({ "connection": connection, "prefix": prefix, "users": users }),
                )
                .await
                .expect("secrets");
            assert_eq!(created["failed"], json!([]), "{created}");
        }
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> SignIn {
        sign_in(
            &self.http,
            self.emulator.base_url(),
            DEMO_TENANT_ID,
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            username,
            password,
        )
        .await
        .expect("token endpoint")
    }

    /// Polls `lease.get` until `check` holds or `within` passes.
    pub async fn wait_lease(
        &self,
        lease_id: &str,
        within: Duration,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let mut poll = leasehold_testkit::Poll::new(within, Duration::from_millis(50));
        let mut last = Value::Null;
        loop {
            if let Ok(reply) = self
                .admin
                .query(Operation::LeaseGet, &json!({ "lease_id": lease_id }))
                .await
            {
                last = reply.get("lease").cloned().unwrap_or(reply);
                if check(&last) {
                    return last;
                }
            }
            assert!(
                poll.again().await,
                "lease {lease_id} never reached the expected state; last seen {last}"
            );
        }
    }

    /// The lease's event types, in order, from the event store.
    pub async fn history(&self, lease_id: &str) -> Vec<(String, String)> {
        sqlx::query_as(
            "SELECT event_type, metadata ->> 'actor' FROM events
              WHERE aggregate_type = 'Lease' AND aggregate_id = $1 ORDER BY sequence",
        )
        .bind(lease_id)
        .fetch_all(&self.db.pool)
        .await
        .expect("history")
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.expect("clean stop");
        }
        let _ = self
            .engine
            .js
            .delete_stream(self.engine.subjects.stream_name())
            .await;
    }
}

/// `lease.create` of `secret` as `client`, for `ttl` when given: the reply.
pub async fn lease_create(client: &ApiClient, secret: &str, ttl: Option<&str>) -> Value {
    let mut request = json!({ "secret": secret });
    if let Some(ttl) = ttl {
        request["ttl"] = ttl.into();
    }
    client
        .command(Operation::LeaseCreate, &request)
        .await
        .unwrap_or_else(|e| panic!("lease.create {secret}: {e}"))
}

/// The lease id in a reply about one lease.
pub fn lease_id_of(reply: &Value) -> String {
    reply["lease"]["lease_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no lease id in {reply}"))
        .to_string()
}

/// The password in a reply that carries a credential.
pub fn password_of(reply: &Value) -> String {
    reply["credential"]["password"]
        .as_str()
        .unwrap_or_else(|| panic!("no password in {reply}"))
        .to_string()
}

pub fn status_is(s: &'static str) -> impl Fn(&Value) -> bool {
    move |l: &Value| l["status"] == s
}
