//! Command-line options of the drills and the sizes they resolve to.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

/// Which drill to run.
#[derive(Subcommand, Debug, Clone)]
pub enum Drill {
    /// Components as separate processes, one SIGKILLed and restarted every 1–3 s.
    Kill(Opts),
    /// A private PostgreSQL and a private NATS, each restarted mid-run.
    Restart(Opts),
    /// A 3-node NATS cluster (stream R3), two copies of each component, one node killed
    /// and restarted mid-run.
    Cluster(Opts),
}

impl Drill {
    /// The drill's name and options.
    pub fn parts(&self) -> (&'static str, &Opts) {
        match self {
            Drill::Kill(o) => ("kill", o),
            Drill::Restart(o) => ("restart", o),
            Drill::Cluster(o) => ("cluster", o),
        }
    }
}

/// Where the drill's database lives.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgChoice {
    /// A fresh database on the machine's PostgreSQL (`--admin-database-url`).
    Shared,
    /// A private PostgreSQL cluster (initdb + pg_ctl) in the drill's temp dir.
    Private,
}

/// Options shared by every drill.
#[derive(Args, Debug, Clone)]
pub struct Opts {
    /// CI size: 150 leases over 50 secrets, about a minute.
    #[arg(long)]
    pub quick: bool,
    /// Leases to create (default 5000, or 150 with --quick).
    #[arg(long)]
    pub leases: Option<usize>,
    /// Secrets (one generated Entra user each); leases are spread evenly over them and
    /// each secret's leases are taken one after another (default leases / 5, or / 3 quick).
    #[arg(long)]
    pub secrets: Option<usize>,
    /// Secrets worked on at once (default 250, or 50 with --quick).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// The engine binary, started once per component process.
    #[arg(long, default_value = "target/release/leasehold")]
    pub binary: PathBuf,
    /// PostgreSQL to use (default: shared for kill, private for restart and cluster).
    #[arg(long, value_enum)]
    pub postgres: Option<PgChoice>,
    /// Admin URL of the shared PostgreSQL, where the drill creates its database.
    #[arg(
        long,
        env = "LEASEHOLD_TEST_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub admin_database_url: String,
    /// The nats-server executable.
    #[arg(long, default_value = "/usr/sbin/nats-server")]
    pub nats_server: PathBuf,
    /// Fraction of Graph requests the emulator answers 503/504.
    #[arg(long, default_value_t = 0.1)]
    pub error_rate: f64,
    /// Most seconds a lease may stay unrevoked past its expiry (see docs/drills.md).
    #[arg(long, default_value_t = 60)]
    pub lateness_bound_secs: u64,
    /// Seed of the workload's and the chaos's random choices (default: random).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Keep the temp dir (logs, config, data) even when every check passes.
    #[arg(long)]
    pub keep: bool,
}

/// The sizes a drill runs at.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// Leases in all.
    pub leases: usize,
    /// Secrets.
    pub secrets: usize,
    /// Lanes (secrets) in flight at once.
    pub concurrency: usize,
    /// How long the end may wait for every lease to settle.
    pub settle_within: Duration,
}

impl Opts {
    /// Sizes from the flags, `--quick` or the full size.
    pub fn sizes(&self) -> Sizes {
        let leases = self.leases.unwrap_or(if self.quick { 150 } else { 5000 });
        let per_secret = if self.quick { 3 } else { 5 };
        let secrets = self
            .secrets
            .unwrap_or((leases / per_secret).max(1))
            .clamp(1, leases.max(1));
        let concurrency = self
            .concurrency
            .unwrap_or(if self.quick { 50 } else { 250 })
            .clamp(1, secrets);
        Sizes {
            leases,
            secrets,
            concurrency,
            settle_within: Duration::from_secs(if self.quick { 180 } else { 600 }),
        }
    }

    /// The PostgreSQL choice, defaulted per drill.
    pub fn postgres_for(&self, drill: &str) -> PgChoice {
        self.postgres.unwrap_or(if drill == "kill" {
            PgChoice::Shared
        } else {
            // The restart drill restarts it; the cluster drill runs ten processes, whose
            // pools would crowd the shared server's 100 connections.
            PgChoice::Private
        })
    }
}
