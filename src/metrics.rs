//! Prometheus metrics over HTTP (`GET /metrics`), computed from Postgres on each scrape so
//! every copy of every component reports the same truth; the same listener answers
//! `/healthz` and `/readyz` (see [`crate::health`]).

use std::net::SocketAddr;

use anyhow::Context;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use sqlx::PgPool;

use crate::health::Health;

/// Binds the metrics listener (so a taken port fails at start-up, not later).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("bind metrics listener on {addr}"))
}

/// Serves `/metrics`, `/healthz` and a database-only `/readyz` on `listener` until
/// `shutdown`.
pub async fn serve(
    pool: PgPool,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let health = Health::database_only(pool.clone());
    serve_with_health(pool, health, listener, shutdown).await
}

/// Serves `/metrics`, `/healthz` and `/readyz` (checking `health`) on `listener` until
/// `shutdown`.
pub async fn serve_with_health(
    pool: PgPool,
    health: Health,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .with_state(pool)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz).with_state(health));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .context("metrics server")
}

/// Liveness: the process answers HTTP. Deliberately checks nothing else, so a restart
/// is never triggered by a dependency being down (that is what `/readyz` reports).
async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "alive" }))
}

/// Readiness: 200 when every check passes, 503 otherwise, with each check in the body.
async fn readyz(State(health): State<Health>) -> impl IntoResponse {
    let readiness = health.readiness().await;
    let code = if readiness.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(readiness))
}

async fn metrics(State(pool): State<PgPool>) -> impl IntoResponse {
    match render(&pool).await {
        Ok(text) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            text,
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            format!("# metrics unavailable: {e}\n"),
        ),
    }
}

/// The metrics text (Prometheus exposition format).
pub async fn render(pool: &PgPool) -> anyhow::Result<String> {
    let mut out = String::new();
    let statuses: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM leases GROUP BY status ORDER BY status")
            .fetch_all(pool)
            .await?;
    out.push_str("# HELP leasehold_leases Leases by status (read model).\n");
    out.push_str("# TYPE leasehold_leases gauge\n");
    for status in [
        "requested",
        "active",
        "revoking",
        "revoked",
        "activation_failed",
    ] {
        let n = statuses
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n);
        out.push_str(&format!("leasehold_leases{{status=\"{status}\"}} {n}\n"));
    }
    let gauges: [(&str, &str, &str); 4] = [
        (
            "leasehold_leases_revocation_failing",
            "Leases whose revocation keeps failing (needs attention).",
            "SELECT count(*) FROM leases WHERE revocation_failing",
        ),
        (
            "leasehold_outbox_unpublished",
            "Events not yet published to JetStream.",
            "SELECT count(*) FROM outbox WHERE published_at IS NULL",
        ),
        (
            "leasehold_deadlines_overdue",
            "Active leases past their expiry and not yet being revoked.",
            "SELECT count(*) FROM lease_deadlines WHERE expires_at < now()",
        ),
        (
            "leasehold_events",
            "Events in the store.",
            "SELECT coalesce(max(global_position), 0) FROM events",
        ),
    ];
    for (name, help, sql) in gauges {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(pool).await?;
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {n}\n"
        ));
    }
    revocation_gauges(pool, &mut out).await?;
    Ok(out)
}

/// The revocation backlog, from `revocation_attempts` by the database's clock: how many
/// revocations Graph has not confirmed yet, and how long the oldest has waited (0 when none).
/// A growing age means revocation is stuck somewhere, whatever the stream or worker did.
async fn revocation_gauges(pool: &PgPool, out: &mut String) -> anyhow::Result<()> {
    let (pending, oldest): (i64, f64) = sqlx::query_as(
        "SELECT count(*),
                COALESCE(EXTRACT(EPOCH FROM now() - min(requested_at)), 0)::float8
           FROM revocation_attempts",
    )
    .fetch_one(pool)
    .await?;
    out.push_str(
        "# HELP leasehold_revocations_pending Revocations (forced ones included) Graph has not confirmed yet.\n\
         # TYPE leasehold_revocations_pending gauge\n",
    );
    out.push_str(&format!("leasehold_revocations_pending {pending}\n"));
    out.push_str(
        "# HELP leasehold_revocation_oldest_pending_seconds Age of the oldest revocation Graph has not confirmed yet.\n\
         # TYPE leasehold_revocation_oldest_pending_seconds gauge\n",
    );
    out.push_str(&format!(
        "leasehold_revocation_oldest_pending_seconds {oldest:.3}\n"
    ));
    Ok(())
}
