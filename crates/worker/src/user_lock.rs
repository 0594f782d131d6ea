//! Per-user serialisation of Graph password writes (invariant 5).
//!
//! Every password write for an Entra user happens while this process holds a Postgres
//! session advisory lock on that user, so two workers (or a redelivery racing the original)
//! never interleave "set password" and "record it". The locks live on a few sessions of
//! their own (a lock is held across Graph calls, so its session must not be one the
//! appends need), and one session holds many locks at once: a lock is taken with
//! `pg_try_advisory_lock`, which never blocks the session, so the number of users locked at
//! once is not bounded by connections. A user locked by another process is tried again
//! with a short backoff. If the worker dies, Postgres ends its sessions and the locks go
//! with them; a session that fails is replaced, and a lock taken on the lost session
//! reports so when released. Inside one process, a local mutex per user makes sure at
//! most one task holds or tries a user's lock.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};
use tokio::sync::OwnedMutexGuard;

const TRY_LOCK_SQL: &str = "SELECT pg_try_advisory_lock(hashtext('leasehold.user:' || $1))";
const UNLOCK_SQL: &str = "SELECT pg_advisory_unlock(hashtext('leasehold.user:' || $1))";

/// First and longest wait before trying again a user locked by another process.
const RETRY_FIRST: Duration = Duration::from_millis(5);
const RETRY_MOST: Duration = Duration::from_millis(200);

/// One lock session: a connection kept out of the pool while it lives, and how many
/// times it has been replaced (a lock remembers the generation it was taken in).
#[derive(Default)]
struct Session {
    conn: Option<PoolConnection<Postgres>>,
    generation: u64,
}

type Shared = Arc<tokio::sync::Mutex<Session>>;

/// Hands out per-user locks.
pub(crate) struct UserLocks {
    pool: PgPool,
    sessions: Vec<Shared>,
    local: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for UserLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserLocks")
            .field("sessions", &self.sessions.len())
            .finish()
    }
}

/// A held user lock. Call [`UserLock::release`]; if it is dropped instead (an error or a
/// simulated crash), the lock is released in the background.
pub(crate) struct UserLock {
    user: String,
    session: Shared,
    generation: u64,
    released: bool,
    _local: OwnedMutexGuard<()>,
}

impl UserLocks {
    /// Locks over `pool`, which nothing else uses: each of its connections becomes one
    /// lock session.
    pub(crate) fn new(pool: PgPool) -> Self {
        let sessions = (pool.options().get_max_connections() as usize).max(1);
        Self {
            pool,
            sessions: (0..sessions).map(|_| Shared::default()).collect(),
            local: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until this process holds the lock on `user_object_id`.
    pub(crate) async fn lock(&self, user_object_id: &str) -> anyhow::Result<UserLock> {
        let local = {
            // The map stays consistent even if a holder panicked mid-insert.
            let mut map = self.local.lock().unwrap_or_else(|p| p.into_inner());
            // Forget users nobody is locking, so the map stays small.
            map.retain(|_, m| Arc::strong_count(m) > 1);
            map.entry(user_object_id.to_string()).or_default().clone()
        };
        let local = local.lock_owned().await;
        // A user always goes to the same session.
        let session = self.sessions[self.session_of(user_object_id)].clone();
        let mut wait = RETRY_FIRST;
        loop {
            if let Some(generation) = self.try_lock(&session, user_object_id).await? {
                return Ok(UserLock {
                    user: user_object_id.to_string(),
                    session,
                    generation,
                    released: false,
                    _local: local,
                });
            }
            // Held by another process: it releases within one Graph write.
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(RETRY_MOST);
        }
    }

    fn session_of(&self, user: &str) -> usize {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        user.hash(&mut hasher);
        (hasher.finish() % self.sessions.len() as u64) as usize
    }

    /// One try on `session`: the generation the lock was taken in, or `None` when another
    /// session holds it. A failed session is closed; the next try opens a new one.
    async fn try_lock(&self, session: &Shared, user: &str) -> anyhow::Result<Option<u64>> {
        let mut s = session.lock().await;
        if s.conn.is_none() {
            let conn = self
                .pool
                .acquire()
                .await
                .context("acquire a connection for the user locks")?;
            s.conn = Some(conn);
            s.generation += 1;
        }
        let generation = s.generation;
        let Some(conn) = s.conn.as_mut() else {
            anyhow::bail!("user lock session missing");
        };
        match sqlx::query_scalar::<_, bool>(TRY_LOCK_SQL)
            .bind(user)
            .fetch_one(&mut **conn)
            .await
        {
            Ok(true) => Ok(Some(generation)),
            Ok(false) => Ok(None),
            Err(e) => {
                close(&mut s);
                Err(e).context("take the user lock")
            }
        }
    }
}

/// Ends a session whose state is unknown: closing it releases whatever it held.
fn close(session: &mut Session) {
    if let Some(conn) = session.conn.take() {
        drop(conn.detach());
    }
}

/// Releases `user`'s lock if `generation` is still the session's.
async fn unlock(session: &Shared, user: &str, generation: u64) -> anyhow::Result<()> {
    let mut s = session.lock().await;
    if s.generation != generation {
        anyhow::bail!("the user lock was lost with its session");
    }
    let Some(conn) = s.conn.as_mut() else {
        anyhow::bail!("the user lock was lost with its session");
    };
    match sqlx::query_scalar::<_, bool>(UNLOCK_SQL)
        .bind(user)
        .fetch_one(&mut **conn)
        .await
    {
        Ok(true) => Ok(()),
        Ok(false) => anyhow::bail!("the user lock was not held by this session"),
        Err(e) => {
            // Could not unlock: never keep a session that may still hold it.
            close(&mut s);
            Err(e).context("release the user lock")
        }
    }
}

impl UserLock {
    /// Releases the lock.
    pub(crate) async fn release(mut self) -> anyhow::Result<()> {
        self.released = true;
        unlock(&self.session, &self.user, self.generation).await
    }
}

impl Drop for UserLock {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let (session, user, generation) = (
            self.session.clone(),
            std::mem::take(&mut self.user),
            self.generation,
        );
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(e) = unlock(&session, &user, generation).await {
                        tracing::warn!(error = %format!("{e:#}"), "releasing a dropped user lock");
                    }
                });
            }
            Err(_) => {
                // No runtime to release it on: end the session, which releases it.
                if let Ok(mut s) = session.try_lock() {
                    if s.generation == generation {
                        close(&mut s);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leasehold_store::testing::TestDb;

    async fn locks(db: &TestDb, sessions: u32) -> UserLocks {
        UserLocks::new(
            leasehold_store::connect(&db.url, sessions)
                .await
                .expect("pool"),
        )
    }

    #[tokio::test]
    async fn one_session_holds_many_users_locks_at_once() {
        let db = TestDb::new().await;
        let locks = locks(&db, 1).await;
        let mut held = Vec::new();
        for n in 0..40 {
            let lock =
                tokio::time::timeout(Duration::from_secs(10), locks.lock(&format!("user-{n}")))
                    .await
                    .expect("a lock waited for a connection")
                    .expect("lock");
            held.push(lock);
        }
        for lock in held {
            lock.release().await.expect("release");
        }
    }

    #[tokio::test]
    async fn another_process_waits_until_the_lock_is_released() {
        let db = TestDb::new().await;
        let (ours, theirs) = (locks(&db, 2).await, locks(&db, 2).await);
        let held = ours.lock("user-a").await.expect("lock");
        let session = theirs.sessions[theirs.session_of("user-a")].clone();
        let tried = theirs.try_lock(&session, "user-a").await.expect("try");
        assert_eq!(tried, None, "another process took a held user's lock");
        // Another user is not held up meanwhile.
        let other = theirs.lock("user-b").await.expect("lock");
        other.release().await.expect("release");
        let waiting = tokio::spawn(async move {
            let lock = theirs.lock("user-a").await.expect("lock");
            lock.release().await.expect("release");
        });
        held.release().await.expect("release");
        tokio::time::timeout(Duration::from_secs(10), waiting)
            .await
            .expect("the waiter got the lock after the release")
            .expect("task");
    }

    #[tokio::test]
    async fn a_dropped_lock_is_released() {
        let db = TestDb::new().await;
        let (ours, theirs) = (locks(&db, 1).await, locks(&db, 1).await);
        drop(ours.lock("user-a").await.expect("lock"));
        let lock = tokio::time::timeout(Duration::from_secs(10), theirs.lock("user-a"))
            .await
            .expect("the dropped lock was never released")
            .expect("lock");
        lock.release().await.expect("release");
    }

    #[tokio::test]
    async fn a_lock_lost_with_its_session_says_so_on_release() {
        let db = TestDb::new().await;
        let locks = locks(&db, 1).await;
        let held = locks.lock("user-a").await.expect("lock");
        // The session ends under the holder (a dropped connection).
        let pid: i32 = {
            let mut s = locks.sessions[0].lock().await;
            let conn = s.conn.as_mut().expect("session");
            sqlx::query_scalar("SELECT pg_backend_pid()")
                .fetch_one(&mut **conn)
                .await
                .expect("pid")
        };
        sqlx::query("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .execute(&db.pool)
            .await
            .expect("terminate");
        // The next lock replaces the session ...
        let next = retry_lock(&locks, "user-b").await;
        next.release().await.expect("release");
        // ... and the lost lock is reported, not silently "released".
        let err = held.release().await.expect_err("a lost lock released");
        assert!(format!("{err:#}").contains("lost"), "{err:#}");
    }

    /// Locks `user`, trying again once after a failed session.
    async fn retry_lock(locks: &UserLocks, user: &str) -> UserLock {
        match locks.lock(user).await {
            Ok(lock) => lock,
            Err(_) => locks.lock(user).await.expect("lock on a new session"),
        }
    }
}
