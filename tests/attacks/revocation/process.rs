//! A real `leasehold serve --components worker` process next to an in-process engine that
//! shares its master key, so the process can be SIGKILLed mid-revocation and restarted.

use std::path::PathBuf;
use std::process::Stdio;

use entra_emulator::{Emulator, EmulatorConfig};
use leasehold::app::{self, Components};
use leasehold::client::ApiClient;
use leasehold::{Config, Limits};
use leasehold_command::Policy;
use leasehold_crypto::MasterKey;
use leasehold_store::testing::TestDb;
use tokio::process::{Child, Command};

use crate::helpers::{unique_prefix, TestApp};

/// Like `TestApp::spawn_with`, with the master key given (the worker process needs it).
pub async fn spawn_with_key(components: Components, policy: Policy, key: &MasterKey) -> TestApp {
    leasehold::tls::install_ring_provider();
    let db = TestDb::new().await;
    let emulator = Emulator::start(
        EmulatorConfig::default(),
        tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind"),
    )
    .await
    .expect("emulator");
    let config = Config {
        database_url: db.url.clone(),
        subject_prefix: unique_prefix(),
        activation_wait_secs: 10,
        graph_retry_deadline_secs: 20,
        policy,
        limits: Limits {
            max_live_leases_per_actor: 0,
            requests_per_second: 0,
            burst: 0,
        },
        ..Config::default()
    };
    let same_key = MasterKey::from_base64(&key.to_base64(), "test").expect("key");
    let engine = app::Engine::connect(config, same_key)
        .await
        .expect("engine");
    let running = app::start(&engine, components).await.expect("start");
    let admin = ApiClient::new(engine.nats.clone(), engine.subjects.clone(), "admin");
    TestApp {
        db,
        emulator,
        engine,
        running: Some(running),
        admin,
        http: reqwest::Client::new(),
    }
}

/// `leasehold serve --components worker` for `app`, with its default settings.
pub struct WorkerProcess {
    child: Child,
}

impl WorkerProcess {
    /// Starts the process; its output goes to a log file under the test's temp dir.
    pub fn start(app: &TestApp, key: &MasterKey) -> WorkerProcess {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(format!("{}-worker.log", app.engine.subjects.prefix())))
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_leasehold"))
            .args(["serve", "--components", "worker"])
            .current_dir(&dir)
            .env_remove("LEASEHOLD_CONFIG")
            .env("LEASEHOLD_DATABASE_URL", &app.engine.config.database_url)
            .env("LEASEHOLD_NATS_URL", &app.engine.config.nats_url)
            .env("LEASEHOLD_SUBJECT_PREFIX", app.engine.subjects.prefix())
            .env("LEASEHOLD_MASTER_KEY", key.to_base64())
            .env("RUST_LOG", "info")
            // The test NATS lets anyone in; say so, as the demo does.
            .env("LEASEHOLD_INSECURE_NATS", "true")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn leasehold serve");
        WorkerProcess { child }
    }

    /// SIGKILL: no shutdown, no acks, no released claims.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("SIGKILL");
        self.child.wait().await.expect("reaped");
    }
}
