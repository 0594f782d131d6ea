//! Per-actor request rate: governor's keyed rate limiter (GCRA, equivalent to a token
//! bucket refilled continuously), one state per actor.
//!
//! Limits are per process (each copy of a service has its own buckets), so N copies in
//! a queue group let an actor through at up to N times the configured rate.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::Quota;
use leasehold_api::ErrorCode;
use serde_json::json;

use crate::CommandError;

/// Actors tracked before idle (fully refilled) ones are dropped; bounds memory when many
/// actors ask.
const MAX_TRACKED_ACTORS: usize = 10_000;

/// Abuse limits of the command service.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceLimits {
    /// Requests per actor (commands).
    pub rate: RateLimit,
    /// Live leases (requested, active, revoking) one actor may hold (0 = unlimited).
    pub max_live_leases_per_actor: u32,
}

/// Request rate allowed per actor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second (0 = unlimited).
    pub requests_per_second: u32,
    /// Bucket size: requests an idle actor may send at once (at least 1).
    pub burst: u32,
}

type Keyed<C> = governor::RateLimiter<
    String,
    DashMapStateStore<String>,
    C,
    NoOpMiddleware<<C as Clock>::Instant>,
>;

/// Rate limits by actor, answering `rate_limited` with `details.retry_after_ms`.
pub struct RateLimiter<C: Clock = DefaultClock> {
    limit: RateLimit,
    /// `None` when the rate is unlimited.
    actors: Option<Keyed<C>>,
    clock: C,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// Limits of `limit` on the real clock.
    pub fn new(limit: RateLimit) -> Self {
        Self::with_clock(limit, DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    /// Limits of `limit` on `clock` (a fake one in tests).
    pub fn with_clock(limit: RateLimit, clock: C) -> Self {
        let actors = NonZeroU32::new(limit.requests_per_second).map(|rate| {
            let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
            let quota = Quota::per_second(rate).allow_burst(burst);
            governor::RateLimiter::dashmap_with_clock(quota, clock.clone())
        });
        Self {
            limit,
            actors,
            clock,
        }
    }

    /// Takes one request of `actor`'s allowance now, or fails with `rate_limited`.
    pub fn check(&self, actor: &str) -> Result<(), CommandError> {
        let Some(actors) = &self.actors else {
            return Ok(());
        };
        if actors.len() >= MAX_TRACKED_ACTORS {
            actors.retain_recent();
        }
        let Err(not_until) = actors.check_key(&actor.to_string()) else {
            return Ok(());
        };
        let wait = not_until.wait_time_from(self.clock.now());
        let retry_after_ms = wait.max(Duration::from_millis(1)).as_millis() as u64;
        Err(CommandError::new(
            ErrorCode::RateLimited,
            format!(
                "actor {actor} sends more than {} requests per second; retry in {retry_after_ms} ms",
                self.limit.requests_per_second
            ),
            json!({
                "actor": actor,
                "retry_after_ms": retry_after_ms,
                "requests_per_second": self.limit.requests_per_second,
                "burst": self.limit.burst.max(1),
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn limiter(rps: u32, burst: u32) -> (RateLimiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let limit = RateLimit {
            requests_per_second: rps,
            burst,
        };
        (RateLimiter::with_clock(limit, clock.clone()), clock)
    }

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let (l, clock) = limiter(2, 3);
        for _ in 0..3 {
            assert!(l.check("alice").is_ok());
        }
        let refused = l.check("alice").unwrap_err();
        assert_eq!(refused.code, ErrorCode::RateLimited);
        assert_eq!(refused.details["retry_after_ms"], 500);
        assert!(l.check("bob").is_ok(), "limits are per actor");
        clock.advance(Duration::from_millis(500));
        assert!(l.check("alice").is_ok());
        clock.advance(Duration::from_millis(100));
        assert!(l.check("alice").is_err());
        // A long pause refills up to the burst, not beyond.
        clock.advance(Duration::from_secs(3600));
        for _ in 0..3 {
            assert!(l.check("alice").is_ok());
        }
        assert!(l.check("alice").is_err());
    }

    #[test]
    fn zero_rate_means_unlimited() {
        let (l, _) = limiter(0, 0);
        for _ in 0..10_000 {
            assert!(l.check("alice").is_ok());
        }
    }

    #[test]
    fn memory_stays_bounded_with_many_actors() {
        let (l, clock) = limiter(1, 1);
        for i in 0..(MAX_TRACKED_ACTORS + 10) {
            let _ = l.check(&format!("a{i}"));
        }
        clock.advance(Duration::from_secs(5));
        assert!(l.check("newcomer").is_ok());
        let size = l.actors.as_ref().map_or(0, |a| a.len());
        assert!(
            size < MAX_TRACKED_ACTORS,
            "idle actors were dropped: {size}"
        );
    }
}
