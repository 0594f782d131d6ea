//! `leasehold serve` as a separate process, as an operator runs it: configuration file
//! plus `LEASEHOLD_*` variables, everything it logs captured in a file.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// A running `leasehold serve`; killed on drop.
pub struct Serve {
    child: Child,
    dir: PathBuf,
}

impl Serve {
    /// Starts `leasehold --config <file with config_toml> serve` with `env` and
    /// `RUST_LOG=rust_log`, stdout and stderr into one log file.
    pub fn spawn(config_toml: &str, env: &[(&str, String)], rust_log: &str) -> Serve {
        let dir = std::env::temp_dir().join(format!("lh-serve-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let config = dir.join("leasehold.toml");
        std::fs::write(&config, config_toml).expect("write config");
        let log = std::fs::File::create(dir.join("serve.log")).expect("log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_leasehold"));
        cmd.arg("--config")
            .arg(&config)
            .arg("serve")
            .current_dir(&dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", rust_log)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn leasehold serve");
        Serve { child, dir }
    }

    /// Everything logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("serve.log")).unwrap_or_default()
    }

    /// Waits until the log contains `needle`, or the process exits, or `within` passes.
    pub async fn wait_for(&mut self, needle: &str, within: Duration) -> bool {
        let mut poll = leasehold_testkit::Poll::new(within, Duration::from_millis(50));
        loop {
            if self.log().contains(needle) {
                return true;
            }
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return self.log().contains(needle);
            }
            if !poll.again().await {
                return false;
            }
        }
    }

    /// Waits up to `within` for the process to exit by itself.
    pub async fn exit_within(&mut self, within: Duration) -> Option<ExitStatus> {
        tokio::time::timeout(within, self.child.wait())
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// Sends SIGTERM; returns when it was sent.
    pub fn terminate(&self) -> Instant {
        let pid = self.child.id().expect("running");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill");
        assert!(sent.success(), "SIGTERM could not be sent");
        Instant::now()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
