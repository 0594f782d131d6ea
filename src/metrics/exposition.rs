//! What `/metrics` says: a [`Snapshot`] read from Postgres on each scrape and the
//! process's own series, encoded by `prometheus-client` in the OpenMetrics text format
//! (which Prometheus scrapes as it does its own). The metric names are what `deploy/prometheus/alerts.yml` and the
//! Grafana board query; they do not change.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode as encode_text;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use sqlx::PgPool;

use super::process;

/// The `Content-Type` of the metrics text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Lease statuses, each always reported (0 when no lease has it).
const STATUSES: [&str; 5] = [
    "requested",
    "active",
    "revoking",
    "revoked",
    "activation_failed",
];

/// The values of one scrape.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Leases by status (read model); statuses not listed count 0.
    pub leases: Vec<(String, i64)>,
    /// Leases whose revocation keeps failing.
    pub revocation_failing: i64,
    /// Events not yet published to JetStream.
    pub outbox_unpublished: i64,
    /// Active leases past their expiry and not yet being revoked.
    pub deadlines_overdue: i64,
    /// Events in the store.
    pub events: i64,
    /// Revocations Graph has not confirmed yet.
    pub revocations_pending: i64,
    /// Age in seconds of the oldest of them (0 when none).
    pub revocation_oldest_pending_seconds: f64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    profile: String,
}

/// Reads the metrics and encodes them with the process's own series: the counters and
/// histograms of [`leasehold_telemetry`], `process_*` and `leasehold_build_info`.
pub async fn render(pool: &PgPool) -> anyhow::Result<String> {
    Ok(encode_all(&read(pool).await?))
}

/// The snapshot with the process's own series, in the OpenMetrics text format.
pub fn encode_all(snapshot: &Snapshot) -> String {
    let mut registry = Registry::default();
    database(snapshot, &mut registry);
    leasehold_telemetry::global().register(&mut registry);
    if let Some(process) = process::read() {
        process::register(&process, &mut registry);
    }
    // A gauge rather than OpenMetrics' `info` type, which Prometheus-format tools reject.
    let build = Family::<BuildLabels, Gauge>::default();
    build
        .get_or_create(&BuildLabels {
            version: env!("CARGO_PKG_VERSION").to_string(),
            profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .to_string(),
        })
        .set(1);
    registry.register(
        "leasehold_build_info",
        "The leasehold version running (always 1)",
        build,
    );
    text(&registry)
}

/// Reads the values of one scrape from Postgres, by the database's clock.
pub async fn read(pool: &PgPool) -> anyhow::Result<Snapshot> {
    let leases: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM leases GROUP BY status ORDER BY status")
            .fetch_all(pool)
            .await?;
    let count =
        |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await };
    // A growing age means revocation is stuck somewhere, whatever the stream or worker did.
    let (revocations_pending, revocation_oldest_pending_seconds): (i64, f64) = sqlx::query_as(
        "SELECT count(*),
                COALESCE(EXTRACT(EPOCH FROM now() - min(requested_at)), 0)::float8
           FROM revocation_attempts",
    )
    .fetch_one(pool)
    .await?;
    Ok(Snapshot {
        leases,
        revocation_failing: count("SELECT count(*) FROM leases WHERE revocation_failing").await?,
        outbox_unpublished: count("SELECT count(*) FROM outbox WHERE published_at IS NULL").await?,
        deadlines_overdue: count("SELECT count(*) FROM lease_deadlines WHERE expires_at < now()")
            .await?,
        events: count("SELECT coalesce(max(global_position), 0) FROM events").await?,
        revocations_pending,
        revocation_oldest_pending_seconds,
    })
}

/// The snapshot alone in the OpenMetrics text format.
pub fn encode(snapshot: &Snapshot) -> String {
    let mut registry = Registry::default();
    database(snapshot, &mut registry);
    text(&registry)
}

fn text(registry: &Registry) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = encode_text(&mut out, registry);
    out
}

/// Registers the snapshot's gauges.
fn database(snapshot: &Snapshot, registry: &mut Registry) {
    let leases = Family::<StatusLabel, Gauge>::default();
    for status in STATUSES {
        let n = snapshot
            .leases
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n);
        leases
            .get_or_create(&StatusLabel {
                status: status.to_string(),
            })
            .set(n);
    }
    registry.register("leasehold_leases", "Leases by status (read model)", leases);
    let gauges = [
        (
            "leasehold_leases_revocation_failing",
            "Leases whose revocation keeps failing (needs attention)",
            snapshot.revocation_failing,
        ),
        (
            "leasehold_outbox_unpublished",
            "Events not yet published to JetStream",
            snapshot.outbox_unpublished,
        ),
        (
            "leasehold_deadlines_overdue",
            "Active leases past their expiry and not yet being revoked",
            snapshot.deadlines_overdue,
        ),
        ("leasehold_events", "Events in the store", snapshot.events),
        (
            "leasehold_revocations_pending",
            "Revocations (forced ones included) Graph has not confirmed yet",
            snapshot.revocations_pending,
        ),
    ];
    for (name, help, value) in gauges {
        let gauge = Gauge::<i64>::default();
        gauge.set(value);
        registry.register(name, help, gauge);
    }
    let oldest = Gauge::<f64, AtomicU64>::default();
    oldest.set(snapshot.revocation_oldest_pending_seconds);
    registry.register(
        "leasehold_revocation_oldest_pending_seconds",
        "Age of the oldest revocation Graph has not confirmed yet",
        oldest,
    );
}

#[cfg(test)]
mod tests;
