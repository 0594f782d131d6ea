//! Typed access to the tables beside the events: the idempotency keys of `lease.create`,
//! the live-lease count of the quota, the deadlines the scheduler claims, the revocations
//! the worker claims and the lookups the command side makes in the event log. The SQL lives here, nowhere else.

mod catalog;
mod deadlines;
mod quota;
mod requests;
mod revocations;

pub use quota::QuotaLock;
pub use revocations::RevocationClaim;

use sqlx::PgPool;

/// The write side's tables, over the pool the events are appended through. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: PgPool,
}

impl Store {
    /// The tables of the database behind `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// A stored id that no longer parses: reported as a decode error of the row.
fn bad_id(e: leasehold_domain::ParseError) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}
