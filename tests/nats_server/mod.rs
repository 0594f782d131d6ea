//! A private nats-server running a copy of `deploy/nats/leasehold.conf` on a free
//! loopback port, with JetStream in a temporary directory and fresh passwords.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use async_nats::Client;
use entra_emulator::EmulatorConfig;
use leasehold::app::Components;
use leasehold::client::ApiClient;
use leasehold::Config;
use leasehold_command::Policy;
use leasehold_crypto::MasterKey;
use tokio::sync::mpsc;

use crate::helpers::{ActorLogin, TestApp};

/// Where the server binary is; `NATS_SERVER_BIN` overrides.
fn binary() -> String {
    std::env::var("NATS_SERVER_BIN").unwrap_or_else(|_| "/usr/sbin/nats-server".into())
}

/// Users of the sample configuration.
pub const USERS: &[&str] = &[
    "leasehold-command",
    "leasehold-query",
    "leasehold-relay",
    "leasehold-worker",
    "leasehold-projection",
    "leasehold-http",
    "admin",
    "alice",
    "bob",
];

/// The engine's identities, by component.
pub const ENGINE_USERS: &[&str] = &[
    "leasehold-command",
    "leasehold-query",
    "leasehold-relay",
    "leasehold-worker",
    "leasehold-projection",
];

/// The actors of the sample configuration (each may speak only as itself).
pub const ACTORS: &[&str] = &["admin", "alice", "bob"];

/// The subject prefix the sample configuration's permissions are written for.
pub const SUBJECT_PREFIX: &str = "leasehold";

/// A user the tests add to their copy of the configuration, with every right: it
/// watches all subjects and plays the operator (never part of the shipped file).
pub const OBSERVER: &str = "test-observer";

/// A running server; killed on [`NatsServer::stop`] or drop.
pub struct NatsServer {
    child: Child,
    port: u16,
    dir: PathBuf,
    secret: String,
}

impl NatsServer {
    /// Starts the server and waits until it accepts connections.
    pub async fn start() -> NatsServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir = std::env::temp_dir().join(format!("lh-nats-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let secret = uuid::Uuid::new_v4().simple().to_string();
        let sample = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("deploy/nats/leasehold.conf"),
        )
        .expect("deploy/nats/leasehold.conf");
        let mut conf = sample
            .replace(
                "listen: 127.0.0.1:4222",
                &format!("listen: 127.0.0.1:{port}"),
            )
            // The store directory comes from `-sd` (nats-server refuses both).
            .replace("store_dir: \"/var/lib/nats/leasehold\"", "");
        for user in USERS {
            conf = conf.replace(
                &format!("CHANGE-ME-{user}-password"),
                &format!("{user}-{secret}"),
            );
        }
        assert!(
            conf.contains("    users = ["),
            "the accounts block lists users"
        );
        conf = conf.replacen(
            "    users = [",
            &format!(
                "    users = [\n      {{ user: {OBSERVER}, password: \"{OBSERVER}-{secret}\" }}"
            ),
            1,
        );
        assert!(
            !conf.contains("password: \"CHANGE-ME"),
            "every placeholder password is replaced"
        );
        let path = dir.join("leasehold.conf");
        std::fs::write(&path, conf).expect("write conf");
        let log = std::fs::File::create(dir.join("server.log")).expect("log file");
        let child = Command::new(binary())
            .arg("-c")
            .arg(&path)
            .arg("-js")
            .arg("-sd")
            .arg(dir.join("js"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start nats-server");
        let server = NatsServer {
            child,
            port,
            dir,
            secret,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let mut poll =
            leasehold_testkit::Poll::new(Duration::from_secs(15), Duration::from_millis(20));
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            assert!(
                poll.again().await,
                "nats-server did not listen on {}; see {}",
                self.port,
                self.dir.join("server.log").display()
            );
        }
    }

    /// `nats://<user>:<password>@127.0.0.1:<port>`.
    pub fn url(&self, user: &str) -> String {
        format!(
            "nats://{user}:{}@127.0.0.1:{}",
            self.password(user),
            self.port
        )
    }

    /// The password this run gave `user`.
    pub fn password(&self, user: &str) -> String {
        format!("{user}-{}", self.secret)
    }

    /// `nats://127.0.0.1:<port>`, no credentials.
    pub fn plain_url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Logs the engine in with one identity per component, as the shipped file means.
    pub fn engine_logins(&self, config: &mut leasehold::Config) {
        use leasehold::config::{Hidden, Login};
        config.nats_url = self.plain_url();
        let login = |user: &str| Login {
            user: Some(user.to_string()),
            password: Some(Hidden::new(self.password(user))),
            ..Login::default()
        };
        config.nats_auth.command = login("leasehold-command");
        config.nats_auth.query = login("leasehold-query");
        config.nats_auth.relay = login("leasehold-relay");
        config.nats_auth.worker = login("leasehold-worker");
        config.nats_auth.projection = login("leasehold-projection");
    }

    /// What `leasehold serve` needs in its environment to run as the engine's five
    /// identities on this server: URL, subject prefix and one login per component.
    pub fn engine_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("LEASEHOLD_NATS_URL".to_string(), self.plain_url()),
            (
                "LEASEHOLD_SUBJECT_PREFIX".to_string(),
                SUBJECT_PREFIX.to_string(),
            ),
        ];
        for user in ENGINE_USERS {
            env.extend(self.component_login(user));
        }
        env
    }

    /// `LEASEHOLD_NATS_<COMPONENT>_USER` and `_PASSWORD` for the engine identity
    /// `user` (`leasehold-<component>`).
    pub fn component_login(&self, user: &str) -> [(String, String); 2] {
        let component = user.trim_start_matches("leasehold-").to_uppercase();
        [
            (format!("LEASEHOLD_NATS_{component}_USER"), user.to_string()),
            (
                format!("LEASEHOLD_NATS_{component}_PASSWORD"),
                self.password(user),
            ),
        ]
    }

    /// A client with every right (see [`OBSERVER`]).
    pub async fn observer(&self) -> Client {
        async_nats::ConnectOptions::new()
            .user_and_password(OBSERVER.to_string(), self.password(OBSERVER))
            .connect(self.address())
            .await
            .expect("observer login")
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// `127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills the server and removes its files.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

impl TestApp {
    /// The engine in-process as it runs in production on `server`: under its five
    /// least-privilege identities, with the shipped subject prefix and the check that
    /// NATS keeps strangers out; `app.admin` and [`TestApp::client`] log in as the actors
    /// themselves, since no engine identity may publish requests.
    pub async fn spawn_secured(
        server: &NatsServer,
        emulator_config: EmulatorConfig,
        components: Components,
        policy: Policy,
    ) -> TestApp {
        Self::spawn_secured_custom(
            server,
            emulator_config,
            components,
            policy,
            MasterKey::generate(),
            |_| {},
        )
        .await
    }

    /// [`TestApp::spawn_secured`] with the master key given and the configuration
    /// adjusted by `tweak` last.
    pub async fn spawn_secured_custom(
        server: &NatsServer,
        emulator_config: EmulatorConfig,
        components: Components,
        policy: Policy,
        key: MasterKey,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut app = TestApp::spawn_keyed(emulator_config, components, policy, key, |c| {
            server.engine_logins(c);
            c.subject_prefix = SUBJECT_PREFIX.into();
            c.insecure_nats = false;
            tweak(c);
        })
        .await;
        for actor in ACTORS {
            let url = server.url(actor);
            let api = ApiClient::connect_as(&url, app.engine.subjects.clone(), actor)
                .await
                .unwrap_or_else(|e| panic!("{actor} logs in: {e}"));
            app.actors
                .insert(actor.to_string(), ActorLogin { url, api });
        }
        app.admin = app.client("admin");
        app
    }
}

/// `admin` is an admin; `actors` may lease, get and list the `ops-*` secrets.
pub fn actors_policy(actors: &[&str]) -> Policy {
    let ops = ["lease.*", "secret.get", "secret.list"];
    leasehold_testkit::policy::one_rule(actors, &ops, &["ops-*"])
}

/// A fresh server, the engine secured on it (see [`TestApp::spawn_secured`]; `tweak`
/// adjusts its configuration), and the admin's set-up done: connection `contoso` and
/// secrets `ops-<user>` for `users`.
pub async fn shipped_app(
    policy: Policy,
    users: &[&str],
    tweak: impl FnOnce(&mut Config),
) -> (NatsServer, TestApp) {
    let server = NatsServer::start().await;
    let app = TestApp::spawn_secured_custom(
        &server,
        EmulatorConfig::default(),
        Components::ALL,
        policy,
        MasterKey::generate(),
        tweak,
    )
    .await;
    app.connect().await;
    app.secrets("ops", users, "1h", "24h").await;
    (server, app)
}

/// [`shipped_app`] with [`actors_policy`] for `actors`, each with a secret `ops-<actor>`.
pub async fn shipped_for(
    actors: &[&str],
    tweak: impl FnOnce(&mut Config),
) -> (NatsServer, TestApp) {
    shipped_app(actors_policy(actors), actors, tweak).await
}

/// A client logged in as one actor, on its own inbox prefix, recording server errors.
pub struct Login {
    pub client: Client,
    errors: mpsc::UnboundedReceiver<String>,
}

impl Login {
    /// Logs in as `user` with inbox prefix `_INBOX_<user>`.
    pub async fn connect(server: &NatsServer, user: &str) -> Login {
        let (tx, errors) = mpsc::unbounded_channel();
        let client = async_nats::ConnectOptions::new()
            .user_and_password(user.to_string(), server.password(user))
            .custom_inbox_prefix(leasehold_bus::actor_inbox_prefix(user))
            .event_callback(move |event| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(event.to_string());
                }
            })
            .connect(server.address())
            .await
            .expect("login");
        Login { client, errors }
    }

    /// Waits for the server's permissions violation for `kind` (`Publish` or
    /// `Subscription`) on `subject`.
    pub async fn expect_violation(&mut self, kind: &str, subject: &str) {
        let wanted = format!("permissions violation for {kind} to \"{subject}\"").to_lowercase();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        loop {
            match tokio::time::timeout_at(deadline, self.errors.recv()).await {
                Ok(Some(event)) if event.to_lowercase().contains(&wanted) => return,
                Ok(Some(event)) => seen.push(event),
                _ => panic!("no {wanted:?} from the server; saw {seen:?}"),
            }
        }
    }
}
