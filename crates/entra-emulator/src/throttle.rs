//! Directory-write throttling: a token bucket per (tenant, application).
//!
//! Entra documents that retrying early still counts, so a rejected write costs a token
//! too (the bucket may go negative, down to minus its size) and the `Retry-After` given
//! accounts for that debt.

use crate::config::ThrottleConfig;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: DateTime<Utc>,
}

/// Write buckets for every (tenant, application) pair seen so far.
#[derive(Debug)]
pub(crate) struct Throttle {
    config: ThrottleConfig,
    buckets: HashMap<(Uuid, Uuid), Bucket>,
}

impl Throttle {
    pub fn new(config: ThrottleConfig) -> Throttle {
        Throttle {
            config,
            buckets: HashMap::new(),
        }
    }

    /// Current limits.
    pub fn config(&self) -> &ThrottleConfig {
        &self.config
    }

    /// Replaces the limits; every bucket starts full again.
    pub fn set_config(&mut self, config: ThrottleConfig) {
        self.config = config;
        self.buckets.clear();
    }

    /// Takes one write for `(tenant, app)`; `Err(secs)` is the Retry-After to send.
    pub fn try_write(&mut self, tenant: Uuid, app: Uuid, now: DateTime<Utc>) -> Result<(), u64> {
        let per = self.config.per.as_secs_f64();
        if !self.config.enabled || per <= 0.0 {
            return Ok(());
        }
        let capacity = f64::from(self.config.writes);
        if capacity < 1.0 {
            return Err(per.ceil().max(1.0) as u64);
        }
        let rate = capacity / per;
        let bucket = self.buckets.entry((tenant, app)).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let elapsed = (now - bucket.last).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6;
        bucket.tokens = (bucket.tokens + elapsed.max(0.0) * rate).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            bucket.tokens = (bucket.tokens - 1.0).max(-capacity);
            let wait = (1.0 - bucket.tokens) / rate;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;
    use std::time::Duration;

    fn throttle(writes: u32, per_secs: u64) -> Throttle {
        Throttle::new(ThrottleConfig {
            enabled: true,
            writes,
            per: Duration::from_secs(per_secs),
        })
    }

    #[test]
    fn sixth_write_is_rejected_then_allowed_after_retry_after() {
        let mut t = throttle(5, 2);
        let (tenant, app) = (Uuid::nil(), Uuid::max());
        let now = Utc::now();
        for _ in 0..5 {
            assert_eq!(t.try_write(tenant, app, now), Ok(()));
        }
        let retry = t.try_write(tenant, app, now).expect_err("throttled");
        assert_eq!(retry, 1);
        let later = now + TimeDelta::seconds(retry as i64);
        assert_eq!(t.try_write(tenant, app, later), Ok(()));
    }

    #[test]
    fn early_retries_still_count() {
        let mut t = throttle(1, 10);
        let (tenant, app) = (Uuid::nil(), Uuid::nil());
        let now = Utc::now();
        assert_eq!(t.try_write(tenant, app, now), Ok(()));
        let first = t.try_write(tenant, app, now).expect_err("throttled");
        assert_eq!(first, 20);
        // Retrying after only the first 10 s is still too early and deepens nothing
        // beyond one bucket's worth of debt.
        let early = now + TimeDelta::seconds(10);
        assert!(t.try_write(tenant, app, early).is_err());
    }

    #[test]
    fn disabled_never_throttles() {
        let mut t = throttle(1, 10);
        t.set_config(ThrottleConfig {
            enabled: false,
            ..ThrottleConfig::default()
        });
        for _ in 0..100 {
            assert_eq!(t.try_write(Uuid::nil(), Uuid::nil(), Utc::now()), Ok(()));
        }
    }
}
