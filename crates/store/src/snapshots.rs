//! Authenticated aggregate snapshots (`snapshots`).
//!
//! A snapshot stands in for the events up to its `last_sequence`, so whoever can write
//! the `snapshots` table could otherwise decide an aggregate's state (for instance, which
//! Entra user a dynamic secret resets). Each row therefore carries the chain hash of the
//! event it was taken at and an HMAC-SHA256, keyed by a key derived from the master key
//! (which the database never holds), over aggregate type, id, sequence, that chain hash
//! and the exact payload text. A row whose MAC or chain hash does not match is not used:
//! the aggregate is folded from its events, and the refusal is logged and recorded in
//! `snapshot_rejections` for `audit verify`.

use hmac::{Hmac, Mac};
use leasehold_crypto::MasterKey;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use zeroize::Zeroizing;

type HmacSha256 = Hmac<Sha256>;

/// Tag of the MAC input format; change it with the format.
const MAC_TAG: &[u8] = b"leasehold-snapshot-v1\n";

/// The key snapshot MACs are computed with, derived from the master key.
#[derive(Clone)]
pub struct SnapshotKey {
    key: Zeroizing<Vec<u8>>,
    id: String,
}

impl std::fmt::Debug for SnapshotKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SnapshotKey([redacted])")
    }
}

impl SnapshotKey {
    /// Derives the snapshot key from `master` (HMAC of a fixed label under the master key),
    /// so a rotated master key invalidates old snapshots (they are folded again) and the
    /// key never sits in the database, not even wrapped.
    pub fn derive(master: &MasterKey) -> Self {
        // The base64 text is an injective encoding of the 32 key bytes: keying HMAC with
        // it is keying with the key.
        let encoded = Zeroizing::new(master.to_base64());
        let mut mac = mac_with(encoded.as_bytes());
        mac.update(b"leasehold snapshot MAC key v1");
        let key = Zeroizing::new(mac.finalize().into_bytes().to_vec());
        let digest = Sha256::new()
            .chain_update(b"leasehold snapshot key id\0")
            .chain_update(key.as_slice())
            .finalize();
        let id = digest
            .iter()
            .take(4)
            .fold(String::from("sk-"), |mut out, b| {
                out.push_str(&format!("{b:02x}"));
                out
            });
        Self { key, id }
    }

    /// The key's public id (`sk-…`), stored with each snapshot.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The MAC of a snapshot of `aggregate_type`/`aggregate_id` taken at `sequence`, whose
    /// event there has chain hash `chain_hash`, with payload text `payload`.
    pub fn mac(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: i64,
        chain_hash: &[u8],
        payload: &str,
    ) -> Vec<u8> {
        self.keyed(aggregate_type, aggregate_id, sequence, chain_hash, payload)
            .finalize()
            .into_bytes()
            .to_vec()
    }

    /// Whether `tag` is the MAC of that snapshot (constant-time comparison).
    pub fn verify(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: i64,
        chain_hash: &[u8],
        payload: &str,
        tag: &[u8],
    ) -> bool {
        self.keyed(aggregate_type, aggregate_id, sequence, chain_hash, payload)
            .verify_slice(tag)
            .is_ok()
    }

    fn keyed(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: i64,
        chain_hash: &[u8],
        payload: &str,
    ) -> HmacSha256 {
        let mut mac = mac_with(&self.key);
        mac.update(MAC_TAG);
        let sequence = sequence.to_string();
        let digest = Sha256::digest(payload.as_bytes());
        for field in [
            aggregate_type.as_bytes(),
            aggregate_id.as_bytes(),
            sequence.as_bytes(),
            chain_hash,
            digest.as_slice(),
        ] {
            // Length-prefixed: no field can spill into the next.
            mac.update(&u64::try_from(field.len()).unwrap_or(u64::MAX).to_be_bytes());
            mac.update(field);
        }
        mac
    }
}

fn mac_with(key: &[u8]) -> HmacSha256 {
    // Invariant: HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    #[allow(clippy::expect_used)]
    HmacSha256::new_from_slice(key).expect("HMAC takes any key length")
}

/// A snapshot that passed its checks: the aggregate's state after event `sequence`.
#[derive(Debug)]
pub struct TrustedSnapshot {
    /// The aggregate state as JSON.
    pub payload: serde_json::Value,
    /// The last event the state includes.
    pub sequence: i64,
}

type SnapshotRow = (
    i64,
    String,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<String>,
);

/// Loads the newest snapshot of an aggregate if its MAC and chain hash check out;
/// otherwise records why it was refused and returns `None` (fold from the events).
pub async fn load(
    pool: &PgPool,
    key: &SnapshotKey,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Option<TrustedSnapshot>, sqlx::Error> {
    let row: Option<SnapshotRow> = sqlx::query_as(
        "SELECT s.last_sequence, s.payload::text, s.chain_hash, s.mac, e.hash, s.key_id
           FROM snapshots s
           LEFT JOIN events e
             ON e.aggregate_type = s.aggregate_type AND e.aggregate_id = s.aggregate_id
            AND e.sequence = s.last_sequence
          WHERE s.aggregate_type = $1 AND s.aggregate_id = $2
          ORDER BY s.last_sequence DESC
          LIMIT 1",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .fetch_optional(pool)
    .await?;
    let Some((sequence, payload, chain_hash, mac, event_hash, key_id)) = row else {
        return Ok(None);
    };
    if key_id.as_deref().is_some_and(|id| id != key.id()) {
        // Taken under an earlier master key: not checkable, not suspicious. Fold; the
        // next snapshot replaces it.
        tracing::debug!(
            aggregate = aggregate_type,
            id = aggregate_id,
            "snapshot under another master key; folding from events"
        );
        return Ok(None);
    }
    let refusal = match (chain_hash, mac, event_hash) {
        (_, None, _) | (None, _, _) => Some("the snapshot carries no MAC or chain hash"),
        (_, _, None) => Some("no event exists at the snapshot's sequence"),
        (Some(chain), Some(tag), Some(event)) => {
            if chain != event {
                Some("the snapshot's chain hash differs from the event chain at its sequence")
            } else if !key.verify(
                aggregate_type,
                aggregate_id,
                sequence,
                &chain,
                &payload,
                &tag,
            ) {
                Some("the snapshot's MAC does not match its content")
            } else {
                None
            }
        }
    };
    if let Some(reason) = refusal {
        reject(pool, aggregate_type, aggregate_id, sequence, reason).await?;
        return Ok(None);
    }
    match serde_json::from_str(&payload) {
        Ok(payload) => Ok(Some(TrustedSnapshot { payload, sequence })),
        // Authentic but unreadable: an older state layout. Fold from the events.
        Err(_) => Ok(None),
    }
}

/// Logs and records a refused snapshot.
async fn reject(
    pool: &PgPool,
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: i64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    tracing::warn!(
        aggregate = aggregate_type,
        id = aggregate_id,
        sequence,
        reason,
        "snapshot refused; folding the aggregate from its events"
    );
    sqlx::query(
        "INSERT INTO snapshot_rejections (aggregate_type, aggregate_id, last_sequence, reason)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(sequence)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

/// Stores the state of an aggregate after its event `sequence` (already committed) as its
/// snapshot, replacing older ones. Reads the chain hash the trigger gave that event.
/// Returns false (and stores nothing) when a newer snapshot exists or the event is gone.
pub async fn save(
    pool: &PgPool,
    key: &SnapshotKey,
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: i64,
    payload: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let hash: Option<Vec<u8>> = sqlx::query_scalar(
        "SELECT hash FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence = $3",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(sequence)
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    let Some(hash) = hash else { return Ok(false) };
    let mac = key.mac(aggregate_type, aggregate_id, sequence, &hash, payload);
    let newer: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM snapshots
                         WHERE aggregate_type = $1 AND aggregate_id = $2 AND last_sequence > $3)",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(sequence)
    .fetch_one(&mut *tx)
    .await?;
    if newer {
        return Ok(false);
    }
    sqlx::query("DELETE FROM snapshots WHERE aggregate_type = $1 AND aggregate_id = $2")
        .bind(aggregate_type)
        .bind(aggregate_id)
        .execute(&mut *tx)
        .await?;
    // `$5::json` keeps the text exactly as MACed.
    sqlx::query(
        "INSERT INTO snapshots (aggregate_type, aggregate_id, last_sequence, current_snapshot,
                                payload, chain_hash, mac, key_id)
         VALUES ($1, $2, $3, 1, $4::json, $5, $6, $7)
         ON CONFLICT DO NOTHING",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(sequence)
    .bind(payload)
    .bind(&hash)
    .bind(&mac)
    .bind(key.id())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The events of an aggregate after `sequence`, oldest first, as `(sequence, payload)`.
pub async fn events_after(
    pool: &PgPool,
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: i64,
) -> Result<Vec<(i64, serde_json::Value)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT sequence, payload FROM events
          WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3
          ORDER BY sequence",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(sequence)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mac_binds_every_field() {
        let key = SnapshotKey::derive(&MasterKey::from_bytes([3; 32]));
        let tag = key.mac("DynamicSecret", "ops-bob", 50, &[1; 32], "{}");
        assert!(key.verify("DynamicSecret", "ops-bob", 50, &[1; 32], "{}", &tag));
        assert!(!key.verify("DynamicSecret", "ops-carol", 50, &[1; 32], "{}", &tag));
        assert!(!key.verify("DynamicSecret", "ops-bob", 51, &[1; 32], "{}", &tag));
        assert!(!key.verify("DynamicSecret", "ops-bob", 50, &[2; 32], "{}", &tag));
        assert!(!key.verify("DynamicSecret", "ops-bob", 50, &[1; 32], "{ }", &tag));
        let other = SnapshotKey::derive(&MasterKey::from_bytes([4; 32]));
        assert!(!other.verify("DynamicSecret", "ops-bob", 50, &[1; 32], "{}", &tag));
        assert_ne!(key.id(), other.id());
        assert!(key.id().starts_with("sk-"));
    }
}
