//! Prometheus metrics over HTTP (`GET /metrics`): gauges computed from Postgres on each
//! scrape, so every copy of every component reports the same truth, and the process's own
//! counters and histograms ([`leasehold_telemetry`], `process_*`, `leasehold_build_info`).
//! The same listener answers `/healthz` and `/readyz` (see [`crate::health`]).

use std::net::SocketAddr;

use anyhow::Context;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use sqlx::PgPool;

use crate::health::Health;

mod exposition;
mod process;

pub use exposition::{encode, encode_all, read, render, Snapshot, CONTENT_TYPE};

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
        Ok(text) => (StatusCode::OK, [(header::CONTENT_TYPE, CONTENT_TYPE)], text),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("# metrics unavailable: {e}\n"),
        ),
    }
}
