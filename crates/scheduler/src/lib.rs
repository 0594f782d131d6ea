//! The scheduler: expires every active lease at its deadline (design §4.3).
//!
//! Deadlines live in `lease_deadlines`, kept by a trigger in the same transaction as the
//! events that set, move or end them, so they survive any crash. There is no per-lease
//! timer in memory: due rows are claimed with `FOR UPDATE SKIP LOCKED` (several
//! schedulers may run), the next deadline is slept on, and `pg_notify` wakes the loop
//! when a new lease may have an earlier one.

mod clock;
mod scheduler;

pub use clock::{Clock, SystemClock};
pub use scheduler::{Scheduler, SchedulerConfig, Step};
