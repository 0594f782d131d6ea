//! A private nats-server running a copy of `deploy/nats/leasehold.conf` on a free
//! loopback port, with JetStream in a temporary directory and fresh passwords.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use async_nats::Client;
use tokio::sync::mpsc;

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
