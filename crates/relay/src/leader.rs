//! Leadership among relays: a session-level advisory lock, held by one connection the
//! relay keeps for itself.
//!
//! An advisory lock belongs to a database session, not to the code that took it. A
//! `PoolConnection` dropped back into the pool keeps its session, so the lock would stay
//! held by an idle pooled connection: this relay, taking another connection next time,
//! would find the lock taken (by itself) and stand by, and so would every other relay —
//! nobody would publish until the pool happened to close that connection. So the
//! connection that holds the lock never goes back to the pool: when leadership ends it
//! is unlocked and closed ([`Leadership::resign`]), or at least detached from the pool
//! and dropped (which closes the session and frees the lock) if the relay is dropped.

use sqlx::pool::PoolConnection;
use sqlx::{Connection, PgConnection, Postgres};

/// The lock-holding connection of the leading relay.
pub(crate) struct Leadership {
    conn: Option<PgConnection>,
}

impl Leadership {
    /// Tries to take the lock `key` on a connection from the pool. Taken, the
    /// connection leaves the pool for good; not taken, it goes back holding nothing.
    /// (Should the query fail after the lock was granted, the connection is dropped
    /// detached, which ends its session and the lock with it.)
    pub(crate) async fn take(
        mut conn: PoolConnection<Postgres>,
        key: &str,
    ) -> sqlx::Result<Option<Self>> {
        let got = sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock(hashtext($1))")
            .bind(key)
            .fetch_one(&mut *conn)
            .await;
        match got {
            Ok(true) => Ok(Some(Self {
                conn: Some(conn.detach()),
            })),
            Ok(false) => Ok(None),
            Err(e) => {
                drop(conn.detach());
                Err(e)
            }
        }
    }

    /// Whether the session (and so the lock) is still alive.
    pub(crate) async fn alive(&mut self) -> bool {
        match self.conn.as_mut() {
            Some(conn) => sqlx::query("SELECT 1").execute(conn).await.is_ok(),
            None => false,
        }
    }

    /// Gives the lead up: closing the session releases the lock for the next relay.
    pub(crate) async fn resign(mut self) {
        if let Some(conn) = self.conn.take() {
            conn.close().await.ok();
        }
    }
}

impl Drop for Leadership {
    fn drop(&mut self) {
        // Dropping a detached connection closes its socket; Postgres ends the session
        // and frees the lock. (`resign` does the same, waiting for it.)
        drop(self.conn.take());
    }
}
