//! Per-user serialisation of Graph password writes (invariant 5).
//!
//! Every password write for an Entra user happens while this process holds a Postgres
//! session advisory lock on that user, so two workers (or a redelivery racing the original)
//! never interleave "set password" and "record it". The lock lives on a connection of a
//! pool of its own (a lock is held across Graph calls, so its session must not be one the
//! appends need) and is released explicitly after the append; if the worker dies, Postgres
//! ends the session and the lock goes with it. Inside one process, a local mutex per user
//! makes sure at most one task waits on Postgres per user, and a semaphore the size of the
//! pool bounds the holders, so a lock waits for a permit rather than for a pool timeout.
//! Activations may hold at most half of the permits: an activation holds its lock while it
//! waits for a Graph slot, and revocations must never queue for a permit behind them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

const LOCK_SQL: &str = "SELECT pg_advisory_lock(hashtext('leasehold.user:' || $1))";
const UNLOCK_SQL: &str = "SELECT pg_advisory_unlock(hashtext('leasehold.user:' || $1))";

/// Hands out per-user locks.
#[derive(Debug)]
pub(crate) struct UserLocks {
    pool: PgPool,
    local: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// One permit per connection of the lock pool.
    held: Arc<Semaphore>,
    /// Half of them, taken by activations before a `held` permit.
    activations: Arc<Semaphore>,
}

/// A held user lock. Call [`UserLock::release`]; if it is dropped instead (an error or a
/// simulated crash), its connection is closed rather than pooled, which ends the session
/// and so releases the advisory lock.
pub(crate) struct UserLock {
    user: String,
    conn: Option<PoolConnection<Postgres>>,
    _local: OwnedMutexGuard<()>,
    _held: OwnedSemaphorePermit,
    _activation: Option<OwnedSemaphorePermit>,
}

impl UserLocks {
    /// Locks over `pool`, which nothing else uses: every connection may be parked in a lock.
    pub(crate) fn new(pool: PgPool) -> Self {
        let most = (pool.options().get_max_connections() as usize).max(1);
        Self {
            pool,
            local: Mutex::new(HashMap::new()),
            held: Arc::new(Semaphore::new(most)),
            activations: Arc::new(Semaphore::new((most / 2).max(1))),
        }
    }

    /// Waits until this process holds the lock on `user_object_id` for an activation,
    /// which may use at most half of the lock connections.
    pub(crate) async fn lock_for_activation(
        &self,
        user_object_id: &str,
    ) -> anyhow::Result<UserLock> {
        let permit = self
            .activations
            .clone()
            .acquire_owned()
            .await
            .context("user lock semaphore closed")?;
        let mut lock = self.lock(user_object_id).await?;
        lock._activation = Some(permit);
        Ok(lock)
    }

    /// Waits until this process holds the lock on `user_object_id` (any lock connection).
    pub(crate) async fn lock(&self, user_object_id: &str) -> anyhow::Result<UserLock> {
        let local = {
            // The map stays consistent even if a holder panicked mid-insert.
            let mut map = self.local.lock().unwrap_or_else(|p| p.into_inner());
            // Forget users nobody is locking, so the map stays small.
            map.retain(|_, m| Arc::strong_count(m) > 1);
            map.entry(user_object_id.to_string()).or_default().clone()
        };
        let local = local.lock_owned().await;
        let held = self
            .held
            .clone()
            .acquire_owned()
            .await
            .context("user lock semaphore closed")?;
        let mut conn = self
            .pool
            .acquire()
            .await
            .context("acquire a connection for the user lock")?;
        sqlx::query(LOCK_SQL)
            .bind(user_object_id)
            .execute(&mut *conn)
            .await
            .context("take the user lock")?;
        Ok(UserLock {
            user: user_object_id.to_string(),
            conn: Some(conn),
            _local: local,
            _held: held,
            _activation: None,
        })
    }
}

impl UserLock {
    /// Releases the lock and returns the connection to the pool.
    pub(crate) async fn release(mut self) -> anyhow::Result<()> {
        // Invariant: `conn` is only taken here or in `drop`, and `release` consumes self.
        let Some(mut conn) = self.conn.take() else {
            return Ok(());
        };
        let released: bool = sqlx::query_scalar(UNLOCK_SQL)
            .bind(&self.user)
            .fetch_one(&mut *conn)
            .await
            .context("release the user lock")
            .inspect_err(|_| {
                // Could not unlock: never pool a connection that may still hold it.
                conn.close_on_drop();
            })?;
        if !released {
            conn.close_on_drop();
            anyhow::bail!("the user lock was not held by this session");
        }
        Ok(())
    }
}

impl Drop for UserLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Closing the session releases the lock; pooling it would leak the lock.
            drop(conn.detach());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leasehold_store::testing::TestDb;
    use std::time::Duration;

    #[tokio::test]
    async fn activations_never_take_the_lock_connections_revocations_need() {
        let db = TestDb::new().await;
        let pool = leasehold_store::connect(&db.url, 2).await.expect("pool");
        let locks = UserLocks::new(pool);
        let first = locks.lock_for_activation("user-a").await.expect("lock");
        // A second activation does not get the other connection while the first holds one
        // (if it did, it would stay held below and starve the revocation).
        let second =
            tokio::time::timeout(Duration::from_secs(1), locks.lock_for_activation("user-b")).await;
        let revocation = tokio::time::timeout(Duration::from_secs(10), locks.lock("user-c"))
            .await
            .expect("a revocation waited behind activations for a lock connection")
            .expect("lock");
        assert!(second.is_err(), "activations took every lock connection");
        revocation.release().await.expect("release");
        first.release().await.expect("release");
        let second =
            tokio::time::timeout(Duration::from_secs(10), locks.lock_for_activation("user-b"))
                .await
                .expect("the second activation gets its lock")
                .expect("lock");
        second.release().await.expect("release");
    }
}
