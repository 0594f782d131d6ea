//! The data-key store (`data_keys`): creates, loads, destroys and re-wraps data keys.

use leasehold_crypto::{CryptoError, DataKey, MasterKey, WrappedKey};
use sqlx::{PgPool, Postgres, Transaction};

/// Why a data key could not be stored or loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// The key was destroyed (its value is gone for good) or never existed.
    #[error("data key {0} does not exist or was destroyed")]
    Gone(String),
    /// The key could not be unwrapped.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Postgres failed.
    #[error("data key store: {0}")]
    Database(#[from] sqlx::Error),
}

/// Data keys in Postgres, wrapped under the master key this process holds.
///
/// Earlier master keys may be added with [`KeyStore::with_previous`]: they still unwrap
/// keys wrapped under them (so a rotation can happen online), while new keys are always
/// wrapped under the current one.
#[derive(Clone, Debug)]
pub struct KeyStore {
    pool: PgPool,
    master: MasterKey,
    previous: Vec<MasterKey>,
}

impl KeyStore {
    /// A key store over `pool` using `master` to wrap and unwrap.
    pub fn new(pool: PgPool, master: MasterKey) -> Self {
        Self {
            pool,
            master,
            previous: Vec::new(),
        }
    }

    /// Also accepts data keys wrapped under these earlier master keys.
    pub fn with_previous(mut self, previous: Vec<MasterKey>) -> Self {
        self.previous = previous
            .into_iter()
            .filter(|k| k.id() != self.master.id())
            .collect();
        self
    }

    fn master_for(&self, id: &str) -> &MasterKey {
        std::iter::once(&self.master)
            .chain(self.previous.iter())
            .find(|k| k.id() == id)
            .unwrap_or(&self.master)
    }

    /// How many live data keys each master key wraps, by master key id.
    pub async fn count_by_master(&self) -> Result<Vec<(String, i64)>, KeyStoreError> {
        Ok(sqlx::query_as(
            "SELECT master_key_id, count(*) FROM data_keys WHERE wrapped IS NOT NULL
              GROUP BY master_key_id ORDER BY master_key_id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Re-wraps every live data key not yet under the current master key, using the
    /// previous keys to unwrap. Returns how many were re-wrapped; fails (changing
    /// nothing more) on a key wrapped under a master key this store does not hold.
    pub async fn rewrap_all(&self) -> Result<u64, KeyStoreError> {
        let mut total = 0;
        for old in self.previous.clone() {
            total += self.rewrap_from(&old).await?;
        }
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM data_keys WHERE wrapped IS NOT NULL AND master_key_id <> $1",
        )
        .bind(self.master.id())
        .fetch_one(&self.pool)
        .await?;
        if left > 0 {
            let other: String = sqlx::query_scalar(
                "SELECT master_key_id FROM data_keys
                  WHERE wrapped IS NOT NULL AND master_key_id <> $1 LIMIT 1",
            )
            .bind(self.master.id())
            .fetch_one(&self.pool)
            .await?;
            return Err(KeyStoreError::Crypto(CryptoError::WrongMasterKey {
                key_id: format!("{left} data keys"),
                wrapped_under: other,
                available: self.master.id().to_string(),
            }));
        }
        Ok(total)
    }

    /// The master key in use.
    pub fn master(&self) -> &MasterKey {
        &self.master
    }

    /// Generates, wraps and stores a new data key with id `key_id`.
    pub async fn create(&self, key_id: &str) -> Result<DataKey, KeyStoreError> {
        let key = DataKey::generate(key_id);
        let wrapped = key.wrap(&self.master);
        sqlx::query(
            "INSERT INTO data_keys (key_id, master_key_id, wrapped) VALUES ($1, $2, $3)
             ON CONFLICT (key_id) DO UPDATE SET master_key_id = EXCLUDED.master_key_id,
                 wrapped = EXCLUDED.wrapped, created_at = now()
             WHERE data_keys.destroyed_at IS NULL",
        )
        .bind(&wrapped.key_id)
        .bind(&wrapped.master_key_id)
        .bind(&wrapped.wrapped)
        .execute(&self.pool)
        .await?;
        // A destroyed id is never revived: re-read to make sure ours is the stored one.
        let stored = self.load(key_id).await?;
        Ok(stored)
    }

    /// Loads and unwraps the data key `key_id`.
    pub async fn load(&self, key_id: &str) -> Result<DataKey, KeyStoreError> {
        let row: Option<(Option<String>, Option<Vec<u8>>)> =
            sqlx::query_as("SELECT master_key_id, wrapped FROM data_keys WHERE key_id = $1")
                .bind(key_id)
                .fetch_optional(&self.pool)
                .await?;
        match row {
            Some((Some(master_key_id), Some(wrapped))) => {
                let master = self.master_for(&master_key_id);
                Ok(DataKey::unwrap(
                    &WrappedKey {
                        key_id: key_id.to_string(),
                        master_key_id,
                        wrapped,
                    },
                    master,
                )?)
            }
            _ => Err(KeyStoreError::Gone(key_id.to_string())),
        }
    }

    /// Destroys the data key `key_id` (crypto-shredding). Idempotent.
    pub async fn destroy(&self, key_id: &str) -> Result<(), KeyStoreError> {
        sqlx::query(
            "INSERT INTO data_keys (key_id, master_key_id, wrapped, destroyed_at)
             VALUES ($1, NULL, NULL, now())
             ON CONFLICT (key_id) DO UPDATE SET master_key_id = NULL, wrapped = NULL,
                 destroyed_at = COALESCE(data_keys.destroyed_at, now())",
        )
        .bind(key_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Destroys every data key whose id starts with `prefix` (no `%` or `_` in it).
    pub async fn destroy_prefix(&self, prefix: &str) -> Result<u64, KeyStoreError> {
        let pattern = format!(
            "{}%",
            prefix
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let done = sqlx::query(
            "UPDATE data_keys SET master_key_id = NULL, wrapped = NULL, destroyed_at = now()
             WHERE key_id LIKE $1 AND wrapped IS NOT NULL",
        )
        .bind(pattern)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Re-wraps every live data key wrapped under `old` with this store's master key,
    /// in batches, returning how many were re-wrapped. Events are not touched.
    pub async fn rewrap_from(&self, old: &MasterKey) -> Result<u64, KeyStoreError> {
        let mut total = 0;
        loop {
            let mut tx: Transaction<'_, Postgres> = self.pool.begin().await?;
            let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
                "SELECT key_id, wrapped FROM data_keys
                 WHERE master_key_id = $1 AND wrapped IS NOT NULL
                 LIMIT 500 FOR UPDATE SKIP LOCKED",
            )
            .bind(old.id())
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                tx.commit().await?;
                return Ok(total);
            }
            for (key_id, wrapped) in rows {
                let stored = WrappedKey {
                    key_id: key_id.clone(),
                    master_key_id: old.id().to_string(),
                    wrapped,
                };
                let new = DataKey::rewrap(&stored, old, &self.master)?;
                sqlx::query(
                    "UPDATE data_keys SET master_key_id = $2, wrapped = $3 WHERE key_id = $1",
                )
                .bind(&key_id)
                .bind(&new.master_key_id)
                .bind(&new.wrapped)
                .execute(&mut *tx)
                .await?;
                total += 1;
            }
            tx.commit().await?;
        }
    }
}
