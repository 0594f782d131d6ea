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
///
/// When every migration is already applied (same versions and checksums) nothing is
/// written, so an engine connected as the least-privilege role (which may not create or
/// alter tables, docs/security.md) starts against a schema its owner migrated.
pub async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    if all_applied(pool).await {
        return Ok(());
    }
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// Whether `_sqlx_migrations` lists every embedded migration, successfully applied with
/// the same checksum (false if it cannot be read: then the migrator decides).
async fn all_applied(pool: &PgPool) -> bool {
    let applied: Result<Vec<(i64, Vec<u8>)>, _> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await;
    let Ok(applied) = applied else { return false };
    let applied: std::collections::HashMap<i64, Vec<u8>> = applied.into_iter().collect();
    MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .all(|m| applied.get(&m.version) == Some(&m.checksum.to_vec()))
}

/// The URL with its secrets masked, and why it was refused.
fn redact_url(url: &str, reason: &str) -> String {
    format!("{}: {reason}", leasehold_redact::mask_url(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_url_is_shown_without_its_secrets() {
        let shown = redact_url(
            "postgres://u:pa@ss@db:5432/x?sslpassword=k3y&sslmode=require",
            "bad",
        );
        for secret in ["pa@ss", "ss@db", "k3y"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.ends_with(": bad"), "{shown}");
    }
}
