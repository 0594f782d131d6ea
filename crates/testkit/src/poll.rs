//! Waiting on a condition with a deadline: the one polling primitive of the tests.

use std::time::Duration;

use tokio::time::{interval_at, Instant, Interval, MissedTickBehavior};

/// Re-checks a condition every `every` until `within` has passed.
pub struct Poll {
    until: Instant,
    ticks: Interval,
}

impl Poll {
    /// A poll that gives up `within` from now, checking every `every`.
    pub fn new(within: Duration, every: Duration) -> Self {
        let now = Instant::now();
        let mut ticks = interval_at(now + every, every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self {
            until: now + within,
            ticks,
        }
    }

    /// Whether the deadline has passed (for loops that re-check at once after progress).
    pub fn expired(&self) -> bool {
        Instant::now() >= self.until
    }

    /// After a failed check: false once the deadline has passed, else waits for the next
    /// check and returns true.
    pub async fn again(&mut self) -> bool {
        if self.expired() {
            return false;
        }
        self.ticks.tick().await;
        true
    }
}
