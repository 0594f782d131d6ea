//! What the live projector counts: one [`Observation`] per newly applied lease event that
//! moves a lease through its lifecycle, recorded in the process's telemetry only after
//! the batch committed (a rolled-back batch is counted when it is applied again). A
//! rebuild counts nothing: its events happened long ago.

use leasehold_domain::{LeaseEvent, RevocationReason};
use leasehold_telemetry::{global, ConnectionLabel, RetryLabels, RevokedLabels};

use crate::rows::LeaseRow;

/// A lifecycle step of one lease.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Observation {
    connection: String,
    step: Step,
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Requested,
    Activated,
    ActivationFailed,
    Renewed,
    /// A failed activation or revocation attempt.
    Retried(&'static str),
    Expired,
    Revoked {
        reason: RevocationReason,
        /// `revoked_at − expires_at` in seconds, for expiry-driven revocations.
        lag: Option<f64>,
    },
}

/// The step `event` takes on a lease in `state` (before the event is folded), if any.
pub(crate) fn lease(state: Option<&LeaseRow>, event: &LeaseEvent) -> Option<Observation> {
    if let LeaseEvent::LeaseRequested { terms } = event {
        return Some(Observation {
            connection: terms.connection.to_string(),
            step: Step::Requested,
        });
    }
    let row = state?;
    let step = match event {
        LeaseEvent::LeaseActivated { .. } => Step::Activated,
        LeaseEvent::LeaseActivationFailed { .. } => Step::ActivationFailed,
        LeaseEvent::LeaseRenewed { .. } => Step::Renewed,
        LeaseEvent::ActivationAttemptFailed { .. } => Step::Retried("activation"),
        LeaseEvent::RevocationAttemptFailed { .. } => Step::Retried("revocation"),
        LeaseEvent::LeaseRevocationRequested {
            reason: RevocationReason::Expired,
            ..
        } => Step::Expired,
        LeaseEvent::LeaseRevoked {
            reason, revoked_at, ..
        } => Step::Revoked {
            reason: *reason,
            lag: (*reason == RevocationReason::Expired).then(|| {
                let late = *revoked_at - row.expires_at;
                late.num_microseconds().unwrap_or(i64::MAX).max(0) as f64 / 1e6
            }),
        },
        _ => return None,
    };
    Some(Observation {
        connection: row.connection.clone(),
        step,
    })
}

/// Adds committed observations to the process's counters and histograms.
pub(crate) fn record(observations: &[Observation]) {
    let telemetry = global();
    for Observation { connection, step } in observations {
        let label = ConnectionLabel {
            connection: connection.clone(),
        };
        let counter = match step {
            Step::Requested => &telemetry.leases_requested,
            Step::Activated => &telemetry.leases_activated,
            Step::ActivationFailed => &telemetry.leases_activation_failed,
            Step::Renewed => &telemetry.leases_renewed,
            Step::Expired => &telemetry.leases_expired,
            Step::Retried(stage) => {
                let labels = RetryLabels {
                    connection: connection.clone(),
                    stage: stage.to_string(),
                };
                telemetry.lease_retries.get_or_create(&labels).inc();
                continue;
            }
            Step::Revoked { reason, lag } => {
                let labels = RevokedLabels {
                    connection: connection.clone(),
                    reason: reason.as_str().to_string(),
                };
                telemetry.leases_revoked.get_or_create(&labels).inc();
                if let Some(lag) = lag {
                    telemetry.revocation_lag.observe(*lag);
                }
                continue;
            }
        };
        counter.get_or_create(&label).inc();
    }
}
