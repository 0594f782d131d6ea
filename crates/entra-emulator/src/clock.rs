//! The emulator's clock: wall time plus an offset tests can advance, strictly increasing so
//! "issued before" comparisons (refresh tokens vs. password changes) are never ties.

use chrono::{DateTime, TimeDelta, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Emulated time source shared by every part of one emulator.
#[derive(Debug, Default)]
pub struct Clock {
    offset_micros: AtomicI64,
    last_micros: AtomicI64,
}

impl Clock {
    /// Current emulated time; each call returns a later instant than the previous one.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = self.offset_micros.load(Ordering::SeqCst);
        let wall = Utc::now().timestamp_micros().saturating_add(offset);
        let mut last = self.last_micros.load(Ordering::SeqCst);
        loop {
            let next = wall.max(last + 1);
            match self
                .last_micros
                .compare_exchange(last, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return micros_to_datetime(next),
                Err(seen) => last = seen,
            }
        }
    }

    /// Moves emulated time forward (token expiry, replication lag, throttle refill).
    pub fn advance(&self, by: Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX / 4);
        self.offset_micros.fetch_add(micros, Ordering::SeqCst);
    }
}

fn micros_to_datetime(micros: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Converts a std duration to a chrono delta, saturating.
pub(crate) fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictly_increasing_and_advances() {
        let clock = Clock::default();
        let a = clock.now();
        let b = clock.now();
        assert!(b > a);
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() - b >= TimeDelta::seconds(3600));
    }
}
