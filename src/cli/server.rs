//! The subcommands that run leasehold itself: serve, migrate, emulator, demo,
//! projections, config.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use leasehold::app::{self, Components, Engine};
use leasehold_crypto::MasterKey;

use super::context::load_config;
use super::exit::CliError;
use super::flags::Settings;

/// Read-model maintenance.
#[derive(Subcommand, Debug)]
pub enum ProjectionAction {
    /// Rebuild every read model from the event store.
    Rebuild,
}

/// Configuration.
#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Validate the configuration and print it with secrets masked.
    Check,
}

/// Runs the engine components until SIGINT/SIGTERM.
pub async fn serve(globals: &Settings, components: Components) -> Result<(), CliError> {
    let config = load_config(globals)?;
    leasehold::logging::init(config.log_format);
    warn_if_policy_empty(&config);
    let master = MasterKey::from_env_or_file(config.master_key_file.as_deref())
        .map_err(|e| CliError::usage(format!("master key: {e}")))?;
    let engine = Engine::connect_for(config, master, components).await?;
    let running = app::start(&engine, components).await?;
    tracing::info!(prefix = engine.subjects.prefix(), "leasehold serving");
    running.wait(shutdown_signal()).await?;
    Ok(())
}

/// Applies the database migrations.
pub async fn migrate(globals: &Settings) -> Result<(), CliError> {
    let config = load_config(globals)?;
    leasehold::database::ensure_database(&config.database_url).await?;
    let pool = leasehold_store::connect(&config.database_url, 2)
        .await
        .context("connect to PostgreSQL (LEASEHOLD_DATABASE_URL)")?;
    leasehold_store::migrate(&pool)
        .await
        .context("apply migrations")?;
    println!("migrations applied");
    Ok(())
}

/// Runs the Entra emulator on its own.
pub async fn emulator(seed: Option<PathBuf>, listen: SocketAddr) -> Result<(), CliError> {
    init_tracing();
    entra_emulator::run_from_file(seed.as_deref(), listen)
        .await
        .context("emulator")?;
    Ok(())
}

/// Walks the whole flow against a built-in emulator.
pub async fn demo(globals: &Settings) -> Result<(), CliError> {
    leasehold::demo::run(globals.config.as_deref()).await?;
    Ok(())
}

/// Rebuilds the read models.
pub async fn rebuild(globals: &Settings) -> Result<(), CliError> {
    let config = load_config(globals)?;
    let pool = leasehold_store::connect(&config.database_url, 4)
        .await
        .context("connect to PostgreSQL (LEASEHOLD_DATABASE_URL)")?;
    leasehold_store::migrate(&pool)
        .await
        .context("apply migrations")?;
    let started = std::time::Instant::now();
    let n = leasehold_projection::rebuild(&pool).await?;
    println!(
        "rebuilt read models from {n} events in {:.2}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Validates and prints the configuration, secrets masked.
pub fn check_config(globals: &Settings) -> Result<(), CliError> {
    let config = load_config(globals)?;
    warn_if_policy_empty(&config);
    print!("{}", config.masked());
    match MasterKey::from_env_or_file(config.master_key_file.as_deref()) {
        Ok(key) => println!("# master key: present ({})", key.id()),
        Err(e) => println!("# master key: {e}"),
    }
    Ok(())
}

/// An empty policy lets nobody do anything: every request is refused, which looks like a
/// broken engine to whoever tries it first. Said on stderr, whatever the log level.
fn warn_if_policy_empty(config: &leasehold::Config) {
    if config.policy.admins.is_empty() && config.policy.rules.is_empty() {
        eprintln!(
            "WARNING: the policy is empty: nobody may do anything, every command and query \
             will be refused with `forbidden`.\n\
             WARNING: name admins or rules in the configuration file, e.g.\n\
             WARNING:   [policy]\n\
             WARNING:   admins = [\"admin\"]\n\
             WARNING: (docs/operations.md, \"Policy\")."
        );
        tracing::warn!("the policy is empty: every request will be refused");
    }
}

fn init_tracing() {
    leasehold::logging::init(leasehold::logging::LogFormat::from_env());
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
