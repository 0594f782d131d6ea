//! The drill's PostgreSQL: a fresh database on the machine's server (dropped at the end),
//! or a private cluster (initdb + pg_ctl as the `postgres` OS user, trust auth on
//! 127.0.0.1) that can be restarted mid-run without touching anybody else's server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use sqlx::{Connection, PgConnection};

use crate::procs::free_port;

/// Where the drill's database lives; cleaned up on drop.
pub enum Postgres {
    /// `lh_drill_<uuid>` on a shared server.
    Shared {
        /// The admin URL it was created through.
        admin_url: String,
        /// Database name.
        name: String,
    },
    /// A private cluster.
    Private(PrivateCluster),
}

impl Postgres {
    /// Creates `lh_drill_<uuid>` through `admin_url`.
    pub async fn shared(admin_url: &str) -> anyhow::Result<Postgres> {
        let name = format!("lh_drill_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(admin_url)
            .await
            .with_context(|| format!("connect to {admin_url} (is PostgreSQL running?)"))?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .context("create the drill database")?;
        admin.close().await.ok();
        Ok(Postgres::Shared {
            admin_url: admin_url.to_string(),
            name,
        })
    }

    /// The URL of the drill's database.
    pub fn url(&self) -> String {
        match self {
            Postgres::Shared { admin_url, name } => match admin_url.rsplit_once('/') {
                Some((base, _)) => format!("{base}/{name}"),
                None => format!("{admin_url}/{name}"),
            },
            Postgres::Private(c) => format!("postgres://postgres@127.0.0.1:{}/leasehold", c.port),
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let Postgres::Shared { admin_url, name } = self else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop may run inside the runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&sql).execute(&mut admin).await;
                }
            });
        })
        .join();
    }
}

/// A private PostgreSQL cluster owned by the `postgres` OS user.
pub struct PrivateCluster {
    bin: PathBuf,
    data: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
    running: bool,
}

fn pg_bin() -> anyhow::Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL binaries not found under /usr/lib/postgresql")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found
        .pop()
        .context("no initdb under /usr/lib/postgresql/*/bin")
}

/// Runs a PostgreSQL tool as the `postgres` OS user (PostgreSQL refuses root).
async fn as_postgres(tool: &Path, args: &[&str]) -> anyhow::Result<()> {
    let out = tokio::process::Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(tool)
        .args(args)
        .output()
        .await
        .with_context(|| format!("run {} as postgres", tool.display()))?;
    if !out.status.success() {
        bail!(
            "{} {} failed: {}{}",
            tool.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

impl PrivateCluster {
    /// initdb in `<dir>/pg` and start it on a free port.
    pub async fn create(dir: &Path) -> anyhow::Result<PrivateCluster> {
        let bin = pg_bin()?;
        let root = dir.join("pg");
        std::fs::create_dir_all(&root)?;
        let chown = std::process::Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&root)
            .status()?;
        if !chown.success() {
            bail!("chown {} to postgres failed", root.display());
        }
        let data = root.join("data");
        as_postgres(
            &bin.join("initdb"),
            &[
                "-D",
                &data.display().to_string(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        )
        .await?;
        let mut cluster = PrivateCluster {
            bin,
            data,
            port: free_port()?,
            running: false,
        };
        cluster.start().await?;
        Ok(cluster)
    }

    /// Starts the server and waits until it accepts connections.
    pub async fn start(&mut self) -> anyhow::Result<()> {
        let data = self.data.display().to_string();
        let log = self
            .data
            .with_file_name("postgres.log")
            .display()
            .to_string();
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c max_connections=400 -c fsync=off",
            self.port, data
        );
        as_postgres(
            &self.bin.join("pg_ctl"),
            &[
                "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "60", "start",
            ],
        )
        .await?;
        self.running = true;
        Ok(())
    }

    /// Stops the server the hard way (`-m immediate`: like a crash, recovery on start).
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        let data = self.data.display().to_string();
        as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        )
        .await?;
        self.running = false;
        Ok(())
    }

    /// Stops, waits `down`, starts.
    pub async fn restart(&mut self, down: Duration) -> anyhow::Result<()> {
        self.stop().await?;
        tokio::time::sleep(down).await;
        self.start().await
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if self.running {
            let _ = std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&self.data)
                .args(["-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}
