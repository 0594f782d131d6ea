//! Connecting to Postgres and applying the schema.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// The schema migrations under `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Why the store could not be reached or prepared.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL does not parse.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// Postgres did not answer.
    #[error(
        "cannot reach PostgreSQL at {target}: {reason}. Start it with `docker compose up -d \
         postgres`, or `pg_ctlcluster <version> main start` on a Debian host, or set \
         LEASEHOLD_DATABASE_URL"
    )]
    Unreachable {
        /// Host and port (never the password).
        target: String,
        /// The driver's reason.
        reason: String,
    },
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

/// Opens a pool on `url`, failing fast with a message that says how to start Postgres.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    let options: PgConnectOptions = url
        .parse()
        .map_err(|e: sqlx::Error| StoreError::InvalidUrl(redact_url(url, &e.to_string())))?;
    let target = format!("{}:{}", options.get_host(), options.get_port());
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Unreachable {
            target,
            reason: e.to_string(),
        })
}

/// Applies every pending migration (idempotent; safe with several processes).
pub async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

fn redact_url(url: &str, reason: &str) -> String {
    // Never echo a password that may sit in the URL.
    let shown = match url.split_once('@') {
        Some((_, host)) => format!("postgres://…@{host}"),
        None => url.to_string(),
    };
    format!("{shown}: {reason}")
}
