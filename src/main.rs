//! The `leasehold` command: runs the engine, the emulator and the demo.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use leasehold::app::{self, Components, Engine};
use leasehold::Config;
use leasehold_crypto::MasterKey;

/// Short-lived passwords for Microsoft Entra ID users, on demand, taken back on time.
#[derive(Parser)]
#[command(name = "leasehold", version, about, long_about = None)]
struct Cli {
    /// Configuration file (default: $LEASEHOLD_CONFIG, else ./leasehold.toml if present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the engine: command service, relay, worker, scheduler and projection.
    Serve {
        /// Comma-separated subset: command,relay,worker,scheduler,projection.
        #[arg(long, default_value = "all")]
        components: Components,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Run the Entra emulator (token endpoint and Graph users API) on its own.
    Emulator {
        /// Seed file (TOML) with tenants, applications and users; default: the demo tenant.
        #[arg(long, value_name = "FILE")]
        seed: Option<PathBuf>,
        /// Address to listen on (loopback by default).
        #[arg(long, default_value = "127.0.0.1:8400")]
        listen: SocketAddr,
    },
    /// Walk the whole flow against local Postgres/NATS and a built-in emulator.
    Demo,
    /// Read models.
    Projections {
        #[command(subcommand)]
        action: ProjectionAction,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Subcommand)]
enum ProjectionAction {
    /// Rebuild every read model from the event store.
    Rebuild,
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Validate the configuration and print it with secrets masked.
    Check,
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    leasehold::tls::install_ring_provider();
    match cli.command {
        Command::Serve { components } => {
            init_tracing();
            let config = Config::load(cli.config.as_deref())?;
            let master = MasterKey::from_env_or_file(config.master_key_file.as_deref())?;
            let engine = Engine::connect(config, master).await?;
            tracing::info!(prefix = engine.subjects.prefix(), "leasehold serving");
            let running = app::start(&engine, components).await?;
            running.wait(shutdown_signal()).await
        }
        Command::Migrate => {
            let config = Config::load(cli.config.as_deref())?;
            leasehold::database::ensure_database(&config.database_url).await?;
            let pool = leasehold_store::connect(&config.database_url, 2).await?;
            leasehold_store::migrate(&pool).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Emulator { seed, listen } => {
            init_tracing();
            entra_emulator::run_from_file(seed.as_deref(), listen)
                .await
                .context("emulator")
        }
        Command::Demo => leasehold::demo::run(cli.config.as_deref()).await,
        Command::Projections {
            action: ProjectionAction::Rebuild,
        } => {
            let config = Config::load(cli.config.as_deref())?;
            let pool = leasehold_store::connect(&config.database_url, 4).await?;
            leasehold_store::migrate(&pool).await?;
            let started = std::time::Instant::now();
            let n = leasehold_projection::rebuild(&pool).await?;
            println!(
                "rebuilt read models from {n} events in {:.2}s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Config {
            action: ConfigAction::Check,
        } => {
            let config = Config::load(cli.config.as_deref())?;
            print!("{}", config.masked());
            match MasterKey::from_env_or_file(config.master_key_file.as_deref()) {
                Ok(key) => println!("# master key: present ({})", key.id()),
                Err(e) => println!("# master key: {e}"),
            }
            Ok(())
        }
    }
}
