//! What the figures were measured on.

use serde::{Deserialize, Serialize};

/// The machine and toolchain of a run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Machine {
    /// Logical CPUs (`nproc`).
    pub cpus: usize,
    /// CPU model.
    pub cpu_model: String,
    /// Total memory, MiB.
    pub memory_mib: u64,
    /// `rustc -V`.
    pub rustc: String,
    /// PostgreSQL `version()`, filled in by benchmarks that talk to it.
    pub postgres: String,
    /// 1-minute load average when the run started (other work on the machine).
    pub load_at_start: f64,
    /// Kernel release.
    pub kernel: String,
}

impl Machine {
    /// Reads `/proc` and runs `rustc -V`.
    pub fn detect() -> Machine {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default();
        let memory_mib = read("/proc/meminfo")
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb / 1024)
            .unwrap_or(0);
        let load_at_start = read("/proc/loadavg")
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        let rustc = std::process::Command::new("rustc")
            .arg("-V")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        Machine {
            cpus: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0),
            cpu_model,
            memory_mib,
            rustc,
            postgres: String::new(),
            load_at_start,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
        }
    }

    /// Adds the server version of the database behind `pool`.
    pub async fn with_postgres(mut self, pool: &sqlx::PgPool) -> Machine {
        if let Ok(v) = sqlx::query_scalar::<_, String>("SHOW server_version")
            .fetch_one(pool)
            .await
        {
            self.postgres = format!("PostgreSQL {v}");
        }
        self
    }
}
