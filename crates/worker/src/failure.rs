//! How a failed Graph call is recorded and when it is tried again.

use std::time::Duration;

use leasehold_domain::FailureInfo;
use leasehold_graph::{ErrorKind, GraphError};
use rand::Rng;

/// The event form of a Graph error: its kind label, its secret-free description and the
/// service's request id.
pub(crate) fn failure_info(err: &GraphError) -> FailureInfo {
    FailureInfo {
        kind: err.kind().label().to_string(),
        message: err.to_string(),
        request_id: err.request_id().map(str::to_string),
    }
}

/// A failure that never reached Graph (e.g. the connection is gone).
pub(crate) fn local_failure(kind: &str, message: impl Into<String>) -> FailureInfo {
    FailureInfo {
        kind: kind.to_string(),
        message: message.into(),
        request_id: None,
    }
}

/// Whether retrying the same activation cannot help: password policy, permission denied,
/// user not found, refused credentials, and requests Graph calls malformed.
pub(crate) fn is_permanent(err: &GraphError) -> bool {
    !matches!(
        err.kind(),
        ErrorKind::Transient
            | ErrorKind::Throttled { .. }
            | ErrorKind::Timeout
            | ErrorKind::UnexpectedResponse
    )
}

/// Jittered exponential backoff after `attempt` failures (1-based): `base · 2^(attempt-1)`
/// capped at `cap`, then drawn uniformly from its upper half so that many leases failing
/// together do not retry in lockstep.
pub(crate) fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exponent = attempt.saturating_sub(1).min(20);
    let ceiling = base.saturating_mul(1u32 << exponent).min(cap);
    let half = ceiling / 2;
    let jitter = rand::thread_rng().gen_range(0.0..=1.0);
    half + half.mul_f64(jitter)
}

/// The delay before the next attempt: the backoff step, or longer when the service asked
/// for more with `Retry-After` (never less: a `Retry-After: 1` on every answer must not turn
/// an outage into one attempt a second). The service's wish is honoured up to `ceiling`.
pub(crate) fn retry_delay(
    err: &GraphError,
    attempt: u32,
    base: Duration,
    cap: Duration,
    ceiling: Duration,
) -> Duration {
    let step = backoff(attempt, base, cap);
    match err.retry_after() {
        Some(asked) => step.max(asked.min(ceiling)),
        None => step,
    }
}

/// Failure kinds of a service outage: one kind of trouble for folding repeated failures.
const OUTAGE_KINDS: &[&str] = &["throttled", "transient", "timeout"];

/// Whether two failure kinds are the same trouble (equal, or both part of an outage, whose
/// answers alternate between 503, 504 and 429).
pub(crate) fn same_trouble(a: &str, b: &str) -> bool {
    a == b || (OUTAGE_KINDS.contains(&a) && OUTAGE_KINDS.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_jitters_and_caps() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(60);
        for _ in 0..100 {
            let first = backoff(1, base, cap);
            assert!(
                first >= Duration::from_millis(500) && first <= base,
                "{first:?}"
            );
            let third = backoff(3, base, cap);
            assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(4));
            let late = backoff(40, base, cap);
            assert!(late >= Duration::from_secs(30) && late <= cap, "{late:?}");
        }
    }

    #[test]
    fn throttling_uses_retry_after() {
        let err = GraphError::new(
            ErrorKind::Throttled {
                retry_after: Some(Duration::from_secs(7)),
            },
            "slow down",
        );
        let ceiling = Duration::from_secs(300);
        let delay = retry_delay(
            &err,
            1,
            Duration::from_secs(1),
            Duration::from_secs(60),
            ceiling,
        );
        assert_eq!(delay, Duration::from_secs(7));
    }

    #[test]
    fn a_short_retry_after_does_not_replace_the_backoff() {
        let err = GraphError::new(
            ErrorKind::Throttled {
                retry_after: Some(Duration::from_secs(1)),
            },
            "busy",
        );
        let (base, cap, ceiling) = (
            Duration::from_secs(1),
            Duration::from_secs(60),
            Duration::from_secs(300),
        );
        for _ in 0..100 {
            let late = retry_delay(&err, 10, base, cap, ceiling);
            assert!(late >= Duration::from_secs(30) && late <= cap, "{late:?}");
        }
        let huge = GraphError::new(
            ErrorKind::Throttled {
                retry_after: Some(Duration::from_secs(86_400)),
            },
            "go away",
        );
        assert_eq!(retry_delay(&huge, 1, base, cap, ceiling), ceiling);
    }

    #[test]
    fn outage_answers_are_one_trouble() {
        assert!(same_trouble("throttled", "transient"));
        assert!(same_trouble("timeout", "throttled"));
        assert!(same_trouble("auth", "auth"));
        assert!(!same_trouble("auth", "transient"));
    }

    #[test]
    fn kinds_split_into_permanent_and_transient() {
        let of = |kind| GraphError::new(kind, "x");
        assert!(is_permanent(&of(ErrorKind::PasswordPolicy)));
        assert!(is_permanent(&of(ErrorKind::PermissionDenied)));
        assert!(is_permanent(&of(ErrorKind::NotFound)));
        assert!(is_permanent(&of(ErrorKind::Auth)));
        assert!(!is_permanent(&of(ErrorKind::Transient)));
        assert!(!is_permanent(&of(ErrorKind::Timeout)));
        assert!(!is_permanent(&of(ErrorKind::Throttled {
            retry_after: None
        })));
    }

    #[test]
    fn failure_info_carries_kind_and_request_id() {
        let err = GraphError::new(ErrorKind::NotFound, "no such user")
            .with_status(404)
            .with_request_id(Some("req-1".into()));
        let info = failure_info(&err);
        assert_eq!(info.kind, "not_found");
        assert_eq!(info.request_id.as_deref(), Some("req-1"));
        assert!(info.message.contains("no such user"));
    }
}
