//! A real `leasehold serve --components worker` process next to an in-process engine that
//! shares its master key, so the process can be SIGKILLed mid-revocation and restarted.

use std::path::PathBuf;
use std::process::Stdio;

use leasehold_crypto::MasterKey;
use tokio::process::{Child, Command};

use crate::helpers::TestApp;
use crate::nats_server::NatsServer;

/// `leasehold serve --components worker` for `app` (on `server`), with its default
/// settings, logged in as the worker identity only.
pub struct WorkerProcess {
    child: Child,
}

impl WorkerProcess {
    /// Starts the process; its output goes to a log file under the test's temp dir.
    pub fn start(app: &TestApp, server: &NatsServer, key: &MasterKey) -> WorkerProcess {
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
            .env_remove("LEASEHOLD_INSECURE_NATS")
            .env("LEASEHOLD_DATABASE_URL", &app.engine.config.database_url)
            .env("LEASEHOLD_NATS_URL", server.plain_url())
            .envs(server.component_login("leasehold-worker"))
            .env("LEASEHOLD_SUBJECT_PREFIX", app.engine.subjects.prefix())
            .env("LEASEHOLD_MASTER_KEY", key.to_base64())
            .env("RUST_LOG", "info")
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
