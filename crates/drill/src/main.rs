//! `drill`: leasehold's fault drills (docs/drills.md). Each drill runs the engine's
//! components as processes of the release binary on private servers, drives thousands of
//! short leases through them while it breaks things, then checks against Entra (the
//! emulator) and the event store that no credential outlived its lease and none was lost.

mod chaos;
mod checks;
mod checks_store;
mod disrupt;
mod drills;
mod facts;
mod ledger;
mod nats;
mod opts;
mod pg;
mod procs;
mod readmodels;
mod report;
mod stack;
#[cfg(test)]
mod tests;
mod workload;

use std::process::ExitCode;

use clap::Parser;

/// leasehold fault drills: kill, restart, cluster.
#[derive(Parser, Debug)]
#[command(name = "drill", version)]
struct Cli {
    #[command(subcommand)]
    drill: opts::Drill,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    leasehold::tls::install_ring_provider();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx=error"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    // Ctrl-C ends the run through the normal path, so every child is killed and the
    // drill's database dropped.
    let outcome = tokio::select! {
        r = drills::run(&cli.drill) => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("drill: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
