//! The one place calls are retried: `Retry-After` honoured exactly, otherwise full-jitter
//! exponential backoff, all bounded by a deadline and an attempt budget.

use rand::Rng;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

use crate::error::{ErrorKind, GraphError};
use crate::throttle_gate::Gate;

/// First backoff ceiling; doubled on each further attempt.
const BACKOFF_BASE: Duration = Duration::from_millis(200);
/// Largest backoff ceiling.
const BACKOFF_CAP: Duration = Duration::from_secs(10);

/// How long and how often one call may be retried.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub deadline: Duration,
    pub max_attempts: u32,
}

/// Upper bound of the backoff before attempt `failed_attempts + 1`: `base * 2^(n-1)`, capped.
pub(crate) fn backoff_ceiling(failed_attempts: u32) -> Duration {
    let exponent = failed_attempts.saturating_sub(1).min(16);
    BACKOFF_BASE
        .saturating_mul(1u32 << exponent)
        .min(BACKOFF_CAP)
}

/// Full jitter: uniform in `[0, ceiling]`, so a herd of failed callers spreads out.
pub(crate) fn jittered_backoff(failed_attempts: u32) -> Duration {
    let ceiling = backoff_ceiling(failed_attempts);
    let millis = rand::thread_rng().gen_range(0..=ceiling.as_millis() as u64);
    Duration::from_millis(millis)
}

/// Parses a `Retry-After` value: delay-seconds, or an HTTP date (then the time left until it).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let left = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(left.to_std().unwrap_or(Duration::ZERO))
}

/// How long to wait after `err`, the `failed_attempts`-th failure; `None` if not retryable.
fn wait_after(err: &GraphError, failed_attempts: u32) -> Option<Duration> {
    match err.kind() {
        ErrorKind::Throttled {
            retry_after: Some(after),
        } => Some(*after),
        _ if err.is_retryable() => Some(jittered_backoff(failed_attempts)),
        _ => None,
    }
}

/// Runs `attempt` until it succeeds, fails for good, or the budget runs out.
///
/// `attempt` gets the 1-based attempt number. With a `gate`, no attempt starts while the
/// app is held back, and a 429 holds back every call sharing the gate. When the next wait
/// would pass the deadline, the last error is returned at once (a `Throttled` keeps its
/// `retry_after`, so the caller can reschedule) rather than sleeping for nothing.
pub(crate) async fn retry<T, F, Fut>(
    policy: RetryPolicy,
    operation: &str,
    gate: Option<&Gate>,
    mut attempt: F,
) -> Result<T, GraphError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, GraphError>>,
{
    let started = Instant::now();
    let mut last_error: Option<GraphError> = None;
    let mut number = 1;
    loop {
        while let Some(held) = gate.and_then(Gate::remaining) {
            if started.elapsed() + held > policy.deadline {
                tracing::warn!(
                    operation,
                    attempts = number - 1,
                    "giving up: app is throttled past the retry deadline"
                );
                return Err(last_error.unwrap_or_else(|| held_back(held)));
            }
            tokio::time::sleep(held).await;
        }
        let err = match attempt(number).await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        let Some(wait) = wait_after(&err, number) else {
            return Err(err);
        };
        if let (Some(gate), Some(429), Some(after)) = (gate, err.status(), err.retry_after()) {
            gate.hold_for(after);
        }
        if number >= policy.max_attempts {
            tracing::warn!(
                operation,
                attempts = number,
                "giving up: attempts exhausted"
            );
            return Err(err);
        }
        if started.elapsed() + wait > policy.deadline {
            tracing::warn!(
                operation,
                attempts = number,
                wait_ms = wait.as_millis() as u64,
                "giving up: next wait would pass the retry deadline"
            );
            return Err(err);
        }
        tracing::debug!(
            operation,
            attempt = number,
            wait_ms = wait.as_millis() as u64,
            "retrying"
        );
        leasehold_telemetry::global().graph_retry(operation);
        tokio::time::sleep(wait).await;
        last_error = Some(err);
        number += 1;
    }
}

/// The error for a call that never got to send because its app is held back.
fn held_back(remaining: Duration) -> GraphError {
    GraphError::new(
        ErrorKind::Throttled {
            retry_after: Some(remaining),
        },
        "calls of this app are held back by an earlier Retry-After",
    )
    .with_status(429)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const POLICY: RetryPolicy = RetryPolicy {
        deadline: Duration::from_secs(30),
        max_attempts: 6,
    };

    fn throttled(secs: u64) -> GraphError {
        GraphError::new(
            ErrorKind::Throttled {
                retry_after: Some(Duration::from_secs(secs)),
            },
            "slow down",
        )
    }

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-3"), None);
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let future = (chrono::Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        let parsed = parse_retry_after(&future).expect("date parses");
        assert!(parsed > Duration::from_secs(110) && parsed <= Duration::from_secs(120));
    }

    #[test]
    fn backoff_doubles_from_200ms_and_caps_at_10s() {
        assert_eq!(backoff_ceiling(1), Duration::from_millis(200));
        assert_eq!(backoff_ceiling(2), Duration::from_millis(400));
        assert_eq!(backoff_ceiling(3), Duration::from_millis(800));
        assert_eq!(backoff_ceiling(6), Duration::from_millis(6400));
        assert_eq!(backoff_ceiling(7), Duration::from_secs(10));
        assert_eq!(backoff_ceiling(1000), Duration::from_secs(10));
        for n in 1..20 {
            for _ in 0..200 {
                assert!(jittered_backoff(n) <= backoff_ceiling(n));
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn honours_retry_after_exactly() {
        let started = Instant::now();
        let times = std::sync::Mutex::new(Vec::new());
        let result = retry(POLICY, "test", None, |n| {
            times.lock().expect("not poisoned").push(started.elapsed());
            async move {
                if n < 3 {
                    Err(throttled(4))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.expect("third attempt succeeds"), 3);
        let times = times.into_inner().expect("not poisoned");
        assert_eq!(
            times,
            vec![
                Duration::ZERO,
                Duration::from_secs(4),
                Duration::from_secs(8)
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_with_throttled_when_the_wait_would_pass_the_deadline() {
        let calls = AtomicU32::new(0);
        let started = Instant::now();
        let err = retry(POLICY, "test", None, |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err::<(), _>(throttled(20)) }
        })
        .await
        .expect_err("deadline passes");
        // 0 s: fail, wait 20 s; 20 s: fail, 20 + 20 > 30, give up without sleeping.
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(started.elapsed(), Duration::from_secs(20));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(20)));
    }

    #[tokio::test(start_paused = true)]
    async fn transient_errors_stop_at_max_attempts() {
        let calls = AtomicU32::new(0);
        let err = retry(POLICY, "transient_test", None, |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err::<(), _>(GraphError::new(ErrorKind::Transient, "503")) }
        })
        .await
        .expect_err("always fails");
        assert_eq!(calls.load(Ordering::SeqCst), 6);
        assert_eq!(err.kind(), &ErrorKind::Transient);
        // Every attempt but the first was a retry, counted for /metrics.
        let retries = leasehold_telemetry::global()
            .graph_retries
            .get_or_create(&leasehold_telemetry::GraphOperation {
                operation: "transient_test".into(),
            })
            .get();
        assert_eq!(retries, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_errors_return_at_once() {
        let calls = AtomicU32::new(0);
        let started = Instant::now();
        let err = retry(POLICY, "test", None, |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err::<(), _>(GraphError::new(ErrorKind::NotFound, "gone")) }
        })
        .await
        .expect_err("not found");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert_eq!(err.kind(), &ErrorKind::NotFound);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_back_other_calls_of_the_app() {
        let gate = Gate::default();
        let started = Instant::now();
        let first = retry(POLICY, "a", Some(&gate), |n| async move {
            if n == 1 {
                Err(throttled(5).with_status(429))
            } else {
                Ok(Instant::now())
            }
        });
        let second = async {
            // Starts after the first call was throttled; must not send before the hold ends.
            tokio::time::sleep(Duration::from_millis(10)).await;
            retry(POLICY, "b", Some(&gate), |_| async { Ok(Instant::now()) }).await
        };
        let (a, b) = tokio::join!(first, second);
        assert_eq!(a.expect("a") - started, Duration::from_secs(5));
        assert_eq!(b.expect("b") - started, Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_past_the_deadline_fails_fast_as_throttled() {
        let gate = Gate::default();
        gate.hold_for(Duration::from_secs(45));
        let calls = AtomicU32::new(0);
        let err = retry(POLICY, "a", Some(&gate), |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Ok(()) }
        })
        .await
        .expect_err("held back");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        assert_eq!(err.retry_after(), Some(Duration::from_secs(45)));
    }
}
