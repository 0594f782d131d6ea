//! `leasehold serve` as a child process: start it, time it to its first answered query,
//! read its memory, stop it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use leasehold::client::ApiClient;
use leasehold_api::Operation;
use serde_json::json;

use crate::probe::memory_kib;

/// The `leasehold` binary: `$LEASEHOLD_BIN`, else next to this benchmark's binary.
pub fn binary() -> anyhow::Result<PathBuf> {
    if let Ok(p) = std::env::var("LEASEHOLD_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()?;
    let candidate = exe.with_file_name("leasehold");
    if candidate.exists() {
        return Ok(candidate);
    }
    bail!(
        "{} not found: run `cargo build --release -p leasehold` first (or set LEASEHOLD_BIN)",
        candidate.display()
    )
}

/// A running `leasehold serve`.
pub struct Serve {
    child: Child,
    started: Instant,
}

/// What start-up cost.
#[derive(Debug, Clone, Copy)]
pub struct Startup {
    /// From spawn to the first answered `lease.list`.
    pub ready: Duration,
    /// Resident memory then, KiB.
    pub rss_kib: u64,
}

impl Serve {
    /// Starts `serve` on `database_url` under `prefix` with a configuration file written
    /// to `dir`, logging to `dir/serve-<prefix>.log`.
    pub fn spawn(
        dir: &Path,
        database_url: &str,
        nats_url: &str,
        prefix: &str,
        master_key: &str,
    ) -> anyhow::Result<Serve> {
        std::fs::create_dir_all(dir)?;
        let config = dir.join(format!("serve-{prefix}.toml"));
        std::fs::write(
            &config,
            format!(
                "database_url = {database_url:?}\nnats_url = {nats_url:?}\n\
                 subject_prefix = {prefix:?}\n\n[limits]\nmax_live_leases_per_actor = 0\n\
                 requests_per_second = 0\nburst = 0\n\n[policy]\nadmins = [\"bench\"]\n"
            ),
        )?;
        let log = std::fs::File::create(dir.join(format!("serve-{prefix}.log")))?;
        let started = Instant::now();
        let child = Command::new(binary()?)
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .env("LEASEHOLD_MASTER_KEY", master_key)
            // A local development NATS without authentication.
            .env("LEASEHOLD_INSECURE_NATS", "true")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("spawn leasehold serve")?;
        Ok(Serve { child, started })
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `lease.list` every 5 ms until it answers `ok`; fails after `within` or if
    /// the process exits.
    pub async fn wait_ready(
        &mut self,
        client: &ApiClient,
        within: Duration,
    ) -> anyhow::Result<Startup> {
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("leasehold serve exited with {status} before answering (see its log)");
            }
            let payload = json!({ "limit": 1 });
            let ask = client.query(Operation::LeaseList, &payload);
            if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(500), ask).await {
                let ready = self.started.elapsed();
                let (rss_kib, _) = memory_kib(self.pid()).unwrap_or_default();
                return Ok(Startup { ready, rss_kib });
            }
            if self.started.elapsed() > within {
                bail!("leasehold serve did not answer within {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// `VmRSS` and `VmHWM` now, KiB.
    pub fn memory(&self) -> (u64, u64) {
        memory_kib(self.pid()).unwrap_or_default()
    }

    /// SIGTERM, then SIGKILL after 10 s.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}
