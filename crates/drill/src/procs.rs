//! Child processes: the engine's components, each `leasehold serve --components <one>`,
//! with its output appended to a log file per process so a kill leaves a trail.
//! Every child is killed when its handle drops (`kill_on_drop`), panics included.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::process::{Child, Command};

/// A free loopback TCP port (bound and released).
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Opens `path` for appending after a marker line naming the (re)start.
pub fn append_log(path: &Path, marker: &str) -> anyhow::Result<File> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("open log {}", path.display()))?;
    writeln!(file, "==== drill: {marker} at {} ====", chrono::Utc::now())?;
    Ok(file)
}

/// Polls `check` every 200 ms until it holds; fails after `within`.
pub async fn wait_until<F, Fut>(within: Duration, what: &str, mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            bail!("{what} not ready within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One component process.
pub struct Proc {
    /// `worker`, `worker-2`, …
    pub name: String,
    components: String,
    log: PathBuf,
    child: Option<Child>,
    /// Times the drill killed it.
    pub kills: u32,
    /// Times it ended by itself and was restarted.
    pub exits: u32,
}

/// Every component process of the engine, started from one binary and environment.
pub struct Fleet {
    binary: PathBuf,
    env: Vec<(String, String)>,
    nats_urls: Vec<String>,
    /// The processes.
    pub procs: Vec<Proc>,
}

/// The five components, one per process.
pub const COMPONENTS: [&str; 5] = ["command", "relay", "worker", "scheduler", "projection"];

impl Fleet {
    /// `copies` processes of each component, logging under `dir`. Process `i` connects to
    /// `nats_urls[i % len]`: `leasehold_bus::connect` takes a single URL (a comma-separated
    /// list does not parse), so a cluster is reached through one node per process, and the
    /// servers' gossip (`connect_urls`) tells the client the others for failover.
    pub fn new(
        binary: &Path,
        env: Vec<(String, String)>,
        nats_urls: Vec<String>,
        dir: &Path,
        copies: usize,
    ) -> Fleet {
        let mut procs = Vec::new();
        for copy in 1..=copies {
            for c in COMPONENTS {
                let name = if copies == 1 {
                    c.to_string()
                } else {
                    format!("{c}-{copy}")
                };
                procs.push(Proc {
                    log: dir.join(format!("{name}.log")),
                    name,
                    components: c.to_string(),
                    child: None,
                    kills: 0,
                    exits: 0,
                });
            }
        }
        Fleet {
            binary: binary.to_path_buf(),
            env,
            nats_urls,
            procs,
        }
    }

    /// Starts process `i`.
    pub fn start(&mut self, i: usize) -> anyhow::Result<()> {
        let p = &mut self.procs[i];
        let log = append_log(&p.log, &format!("start {}", p.name))?;
        let child = Command::new(&self.binary)
            .args(["serve", "--components", &p.components])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            // Drills run against local NATS servers without authentication.
            .env("LEASEHOLD_INSECURE_NATS", "true")
            .env(
                "LEASEHOLD_NATS_URL",
                &self.nats_urls[i % self.nats_urls.len().max(1)],
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("start {}", self.binary.display()))?;
        p.child = Some(child);
        Ok(())
    }

    /// Starts every process.
    pub fn start_all(&mut self) -> anyhow::Result<()> {
        (0..self.procs.len()).try_for_each(|i| self.start(i))
    }

    /// SIGKILLs process `i` and waits until it is gone.
    pub async fn kill(&mut self, i: usize) {
        let p = &mut self.procs[i];
        if let Some(mut child) = p.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
            p.kills += 1;
        }
    }

    /// Restarts every process that ended by itself; returns their names.
    pub fn revive(&mut self) -> anyhow::Result<Vec<String>> {
        let mut revived = Vec::new();
        for i in 0..self.procs.len() {
            let p = &mut self.procs[i];
            let ended = match p.child.as_mut() {
                Some(child) => child.try_wait()?.is_some(),
                None => true,
            };
            if ended {
                p.exits += u32::from(p.child.is_some());
                revived.push(p.name.clone());
                self.start(i)?;
            }
        }
        Ok(revived)
    }

    /// Asks every process to stop (SIGTERM) and waits up to 10 s, then SIGKILLs.
    pub async fn stop_all(&mut self) {
        for p in &mut self.procs {
            if let Some(pid) = p.child.as_ref().and_then(Child::id) {
                let _ = std::process::Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status();
            }
        }
        for p in &mut self.procs {
            if let Some(mut child) = p.child.take() {
                let done = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
                if done.is_err() {
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                }
            }
        }
    }
}
