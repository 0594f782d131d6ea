//! Counters and histograms kept in the process, updated where the work happens (the
//! command service, the Graph client, the projector) and encoded with the database
//! gauges on every scrape of `/metrics`.
//!
//! Each process counts what it did: with components in separate processes, sum the
//! series over instances (`sum by (connection) (rate(...))`). Labels come only from
//! bounded sets: operation names of the API contract, error codes, connection names,
//! Graph operation names and HTTP status codes.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Label of the lease counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ConnectionLabel {
    /// Connection name.
    pub connection: String,
}

/// Labels of the revoked-leases counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RevokedLabels {
    /// Connection name.
    pub connection: String,
    /// `manual`, `expired` or `secret_deleted`.
    pub reason: String,
}

/// Labels of the lease retry counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RetryLabels {
    /// Connection name.
    pub connection: String,
    /// `activation` or `revocation`.
    pub stage: String,
}

/// Labels of the request counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// Operation name (`lease.create`), or `unknown` when the subject named none.
    pub operation: String,
    /// `ok`, or the error code of the reply.
    pub code: String,
}

/// Labels of the Graph request counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GraphLabels {
    /// Graph operation (`set_password`, `revoke_sessions`, `token`, …).
    pub operation: String,
    /// HTTP status, or `network` when no response came back.
    pub status: String,
}

/// Label of per-operation Graph series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GraphOperation {
    /// Graph operation.
    pub operation: String,
}

/// Buckets for request and Graph latencies: 5 ms to ~41 s.
fn latency() -> Histogram {
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.005, 2.0, 14,
    ))
}

/// Buckets for revocation lag: 50 ms to ~7 min.
fn lag() -> Histogram {
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.05, 2.0, 14,
    ))
}

/// Every process-wide series.
pub struct Telemetry {
    /// Leases requested (LeaseRequested projected), by connection.
    pub leases_requested: Family<ConnectionLabel, Counter>,
    /// Leases activated (password set through Graph).
    pub leases_activated: Family<ConnectionLabel, Counter>,
    /// Leases whose activation failed for good.
    pub leases_activation_failed: Family<ConnectionLabel, Counter>,
    /// Lease renewals.
    pub leases_renewed: Family<ConnectionLabel, Counter>,
    /// Leases whose expiry came and whose revocation was requested for it.
    pub leases_expired: Family<ConnectionLabel, Counter>,
    /// Leases revoked (Graph confirmed or forced), by connection and reason.
    pub leases_revoked: Family<RevokedLabels, Counter>,
    /// Failed activation or revocation attempts of leases; each is retried, except the
    /// last attempt of an activation that gave up.
    pub lease_retries: Family<RetryLabels, Counter>,
    /// `expires_at` → `LeaseRevoked` for leases revoked because they expired.
    pub revocation_lag: Histogram,
    /// Requests answered, by operation and reply code.
    pub requests: Family<RequestLabels, Counter>,
    /// `lease.create` received → reply sent, for successful replies.
    pub issue_duration: Histogram,
    /// Graph and token-endpoint HTTP exchanges, by operation and status.
    pub graph_requests: Family<GraphLabels, Counter>,
    /// Graph answers with 429 Too Many Requests.
    pub graph_throttled: Family<GraphOperation, Counter>,
    /// Graph attempts retried within one call after a retryable failure.
    pub graph_retries: Family<GraphOperation, Counter>,
    /// Duration of one Graph HTTP exchange, body included.
    pub graph_duration: Family<GraphOperation, Histogram>,
}

static TELEMETRY: LazyLock<Telemetry> = LazyLock::new(|| Telemetry {
    leases_requested: Family::default(),
    leases_activated: Family::default(),
    leases_activation_failed: Family::default(),
    leases_renewed: Family::default(),
    leases_expired: Family::default(),
    leases_revoked: Family::default(),
    lease_retries: Family::default(),
    revocation_lag: lag(),
    requests: Family::default(),
    issue_duration: latency(),
    graph_requests: Family::default(),
    graph_throttled: Family::default(),
    graph_retries: Family::default(),
    graph_duration: Family::new_with_constructor(latency),
});

/// The process's series.
pub fn global() -> &'static Telemetry {
    &TELEMETRY
}

impl Telemetry {
    /// Counts a reply of the command or query service.
    pub fn request(&self, operation: &str, code: &str) {
        self.requests
            .get_or_create(&RequestLabels {
                operation: operation.to_string(),
                code: code.to_string(),
            })
            .inc();
    }

    /// Counts one Graph HTTP exchange and its duration; `status` is `None` when no
    /// response came back.
    pub fn graph_exchange(&self, operation: &str, status: Option<u16>, took: Duration) {
        let status_label = status.map_or_else(|| "network".to_string(), |s| s.to_string());
        self.graph_requests
            .get_or_create(&GraphLabels {
                operation: operation.to_string(),
                status: status_label,
            })
            .inc();
        let op = GraphOperation {
            operation: operation.to_string(),
        };
        if status == Some(429) {
            self.graph_throttled.get_or_create(&op).inc();
        }
        self.graph_duration
            .get_or_create(&op)
            .observe(took.as_secs_f64());
    }

    /// Counts a retry of a Graph operation.
    pub fn graph_retry(&self, operation: &str) {
        self.graph_retries
            .get_or_create(&GraphOperation {
                operation: operation.to_string(),
            })
            .inc();
    }

    /// Registers every series (sharing their values) in `registry`.
    pub fn register(&self, registry: &mut Registry) {
        let counters = [
            (
                "leasehold_leases_requested",
                "Leases requested, by connection",
                &self.leases_requested,
            ),
            (
                "leasehold_leases_activated",
                "Leases activated (password set), by connection",
                &self.leases_activated,
            ),
            (
                "leasehold_leases_activation_failed",
                "Leases whose activation failed for good, by connection",
                &self.leases_activation_failed,
            ),
            (
                "leasehold_leases_renewed",
                "Lease renewals, by connection",
                &self.leases_renewed,
            ),
            (
                "leasehold_leases_expired",
                "Leases whose revocation was requested because they expired, by connection",
                &self.leases_expired,
            ),
        ];
        for (name, help, family) in counters {
            registry.register(name, help, family.clone());
        }
        registry.register(
            "leasehold_leases_revoked",
            "Leases revoked, by connection and reason",
            self.leases_revoked.clone(),
        );
        registry.register(
            "leasehold_lease_retries",
            "Failed activation or revocation attempts of leases (retried, but for an activation's last), by connection and stage",
            self.lease_retries.clone(),
        );
        registry.register(
            "leasehold_lease_revocation_lag_seconds",
            "Time from expires_at to LeaseRevoked, for leases revoked because they expired",
            self.revocation_lag.clone(),
        );
        registry.register(
            "leasehold_requests",
            "Requests answered, by operation and reply code (ok or the error code)",
            self.requests.clone(),
        );
        registry.register(
            "leasehold_lease_issue_duration_seconds",
            "Time from a lease.create request to its reply, successful replies",
            self.issue_duration.clone(),
        );
        registry.register(
            "leasehold_graph_requests",
            "Graph and token-endpoint HTTP exchanges, by operation and status",
            self.graph_requests.clone(),
        );
        registry.register(
            "leasehold_graph_throttled",
            "Graph answers 429 Too Many Requests, by operation",
            self.graph_throttled.clone(),
        );
        registry.register(
            "leasehold_graph_retries",
            "Graph attempts retried within one call after a retryable failure, by operation",
            self.graph_retries.clone(),
        );
        registry.register(
            "leasehold_graph_request_duration_seconds",
            "Duration of one Graph HTTP exchange, body included, by operation",
            self.graph_duration.clone(),
        );
    }
}
