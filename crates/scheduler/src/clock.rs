//! Time, injected so tests can drive it; the database's clock decides what is due.

use chrono::{DateTime, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;

    /// The latest moment this clock lets the scheduler treat as now; the scheduler uses the
    /// earlier of this and the database's `now()`. A test clock drives the scheduler
    /// through time already past; a clock running ahead of the database can never expire a
    /// lease early. `None` (the system clock) leaves the decision to the database alone, so
    /// a process clock running behind cannot keep a password alive past its expiry either.
    fn limit(&self) -> Option<DateTime<Utc>> {
        Some(self.now())
    }
}

/// The system clock: the database's `now()` decides what is due.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn limit(&self) -> Option<DateTime<Utc>> {
        None
    }
}
