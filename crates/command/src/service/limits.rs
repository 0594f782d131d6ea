//! Per-actor request rate: a token bucket per actor, refilled continuously.
//!
//! Limits are per process (each copy of a service has its own buckets), so N copies in
//! a queue group let an actor through at up to N times the configured rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use leasehold_api::ErrorCode;
use serde_json::json;

use crate::CommandError;

/// Buckets kept before idle (full) ones are dropped; bounds memory when many actors ask.
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

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets by actor, answering `rate_limited` with `details.retry_after_ms`.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Buckets for `limit`.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `actor` now, or fails with `rate_limited`.
    pub fn check(&self, actor: &str) -> Result<(), CommandError> {
        self.check_at(actor, Instant::now())
    }

    /// Takes one token for `actor` at `now` (time injected for tests).
    pub fn check_at(&self, actor: &str, now: Instant) -> Result<(), CommandError> {
        let rate = f64::from(self.limit.requests_per_second);
        if rate <= 0.0 {
            return Ok(());
        }
        let capacity = f64::from(self.limit.burst.max(1));
        // A poisoned lock only means another request panicked mid-update; the map
        // itself is still a valid set of buckets.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_TRACKED_ACTORS && !buckets.contains_key(actor) {
            buckets.retain(|_, b| refill(*b, now, rate, capacity) < capacity);
        }
        let bucket = buckets.entry(actor.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let tokens = refill(*bucket, now, rate, capacity);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                at: now,
            };
            return Ok(());
        }
        *bucket = Bucket { tokens, at: now };
        let wait = Duration::from_secs_f64((1.0 - tokens) / rate);
        let retry_after_ms = wait.as_millis().max(1) as u64;
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

fn refill(bucket: Bucket, now: Instant, rate: f64, capacity: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
    (bucket.tokens + elapsed * rate).min(capacity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(rps: u32, burst: u32) -> RateLimiter {
        RateLimiter::new(RateLimit {
            requests_per_second: rps,
            burst,
        })
    }

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let l = limiter(2, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check_at("alice", t0).is_ok());
        }
        let refused = l.check_at("alice", t0).unwrap_err();
        assert_eq!(refused.code, ErrorCode::RateLimited);
        assert_eq!(refused.details["retry_after_ms"], 500);
        assert!(l.check_at("bob", t0).is_ok(), "buckets are per actor");
        assert!(l.check_at("alice", t0 + Duration::from_millis(500)).is_ok());
        assert!(l
            .check_at("alice", t0 + Duration::from_millis(600))
            .is_err());
        // A long pause refills up to the burst, not beyond.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(l.check_at("alice", later).is_ok());
        }
        assert!(l.check_at("alice", later).is_err());
    }

    #[test]
    fn zero_rate_means_unlimited() {
        let l = limiter(0, 0);
        let t0 = Instant::now();
        for _ in 0..10_000 {
            assert!(l.check_at("alice", t0).is_ok());
        }
    }

    #[test]
    fn memory_stays_bounded_with_many_actors() {
        let l = limiter(1, 1);
        let t0 = Instant::now();
        for i in 0..(MAX_TRACKED_ACTORS + 10) {
            let _ = l.check_at(&format!("a{i}"), t0);
        }
        let later = t0 + Duration::from_secs(5);
        assert!(l.check_at("newcomer", later).is_ok());
        let size = l.buckets.lock().map(|b| b.len()).unwrap_or(0);
        assert!(
            size < MAX_TRACKED_ACTORS,
            "idle buckets were dropped: {size}"
        );
    }
}
