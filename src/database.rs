//! Creating the configured database when it does not exist yet.

use anyhow::Context;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// Creates the database named in `url` if it is missing (needs CREATEDB rights).
pub async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let options: PgConnectOptions = url.parse().context("invalid database URL")?;
    let Some(name) = options.get_database().map(str::to_string) else {
        return Ok(());
    };
    let target = format!("{}:{}", options.get_host(), options.get_port());
    let admin = options.clone().database("postgres");
    let mut conn = admin.connect().await.map_err(|e| {
        anyhow::Error::new(leasehold_store::StoreError::Unreachable {
            target,
            reason: e.to_string(),
        })
    })?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        // A concurrent creator may win; that is fine.
        if let Err(e) = sqlx::query(&format!("CREATE DATABASE {quoted}"))
            .execute(&mut conn)
            .await
        {
            tracing::debug!(error = %e, "create database");
        }
    }
    conn.close().await.ok();
    Ok(())
}

/// Drops and re-creates the database named in `url` (the demo's own database only).
pub async fn recreate_database(url: &str) -> anyhow::Result<()> {
    let options: PgConnectOptions = url.parse().context("invalid database URL")?;
    let name = options
        .get_database()
        .context("the database URL names no database")?
        .to_string();
    let mut conn = options.clone().database("postgres").connect().await?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    sqlx::query(&format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {quoted}"))
        .execute(&mut conn)
        .await?;
    conn.close().await.ok();
    Ok(())
}
