//! Per-actor cap on live leases (`quota_exceeded`).
//!
//! Live leases are counted on the write side (`leasehold_store::QuotaLock`), never from
//! the read models: a lease revoked a moment ago stops counting at once, however far the
//! projector lags. The check and the append that follows run under the actor's quota
//! lock.

use std::sync::Arc;

use leasehold_api::ErrorCode;
use leasehold_domain::Lease;
use leasehold_store::QuotaLock;
use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{CommandService, Request};
use crate::CommandError;

/// Quota checks in flight at once per service; each holds one pooled connection, so
/// this keeps the pool free for the appends they wait for.
pub(super) const QUOTA_SLOTS: usize = 8;

/// Holds the actor's quota lock until the new lease is appended.
pub(super) struct QuotaHold {
    lock: Option<(QuotaLock, OwnedSemaphorePermit)>,
}

impl QuotaHold {
    /// Lets the next request of this actor count (the new lease is now visible).
    pub async fn release(mut self) {
        if let Some((lock, permit)) = self.lock.take() {
            lock.release().await;
            drop(permit);
        }
    }
}

/// Fresh semaphore for [`QUOTA_SLOTS`].
pub(super) fn quota_slots() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(QUOTA_SLOTS))
}

impl CommandService {
    /// Fails with `quota_exceeded` when `req.actor` already holds the allowed number of
    /// live leases; otherwise holds the actor's lock until [`QuotaHold::release`].
    pub(super) async fn hold_quota(
        &self,
        req: &Request<'_>,
        existing: &Lease,
    ) -> Result<QuotaHold, CommandError> {
        let limit = self.config.limits.max_live_leases_per_actor;
        let none = QuotaHold { lock: None };
        if limit == 0 {
            return Ok(none);
        }
        // A retried request (same request id) for a lease that exists adds nothing.
        if existing.secret().is_some() {
            return Ok(none);
        }
        let db = |e: sqlx::Error| CommandError::unavailable(format!("quota check: {e}"));
        let permit = Arc::clone(&self.quota_slots)
            .acquire_owned()
            .await
            .map_err(|_| CommandError::unavailable("the command service is stopping"))?;
        let mut lock = self
            .commands
            .store()
            .lock_quota(&req.actor)
            .await
            .map_err(db)?;
        let live = lock.live_leases().await.map_err(db)?;
        if live >= i64::from(limit) {
            return Err(CommandError::new(
                ErrorCode::QuotaExceeded,
                format!(
                    "actor {} holds {live} live leases, the most allowed is {limit}; \
                     revoke one first",
                    req.actor
                ),
                json!({ "actor": req.actor.as_str(), "limit": limit, "live": live }),
            ));
        }
        Ok(QuotaHold {
            lock: Some((lock, permit)),
        })
    }
}
