//! One row of `events` as the audit functions read it: payload and metadata as the exact
//! stored text (the hash covers that text, not a re-serialisation of it).

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};

/// The columns every audit query selects, in [`StoredEvent`] order.
pub(crate) const COLUMNS: &str = "aggregate_type, aggregate_id, sequence, event_type, \
     event_version, payload::text AS payload, metadata::text AS metadata, recorded_at, \
     global_position, prev_hash, hash";

/// An event exactly as stored, hashes included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// `Connection`, `DynamicSecret` or `Lease`.
    pub aggregate_type: String,
    /// The aggregate's id.
    pub aggregate_id: String,
    /// Position within the aggregate, from 1.
    pub sequence: i64,
    /// Frozen event type name, e.g. `LeaseRequested`.
    pub event_type: String,
    /// Payload schema version.
    pub event_version: String,
    /// The payload's stored JSON text (externally tagged domain event, sealed values sealed).
    pub payload: String,
    /// The metadata's stored JSON text (`actor`, `at`, `request_id`).
    pub metadata: String,
    /// When Postgres recorded the event.
    pub recorded_at: DateTime<Utc>,
    /// Position in the whole store.
    pub global_position: i64,
    /// Hash of the previous event of the aggregate, as stored (`None` for the first).
    pub prev_hash: Option<Vec<u8>>,
    /// This event's chain hash, as stored.
    pub hash: Option<Vec<u8>>,
}

impl<'r> FromRow<'r, PgRow> for StoredEvent {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            aggregate_type: row.try_get("aggregate_type")?,
            aggregate_id: row.try_get("aggregate_id")?,
            sequence: row.try_get("sequence")?,
            event_type: row.try_get("event_type")?,
            event_version: row.try_get("event_version")?,
            payload: row.try_get("payload")?,
            metadata: row.try_get("metadata")?,
            recorded_at: row.try_get("recorded_at")?,
            global_position: row.try_get("global_position")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        })
    }
}

impl StoredEvent {
    /// The payload parsed as JSON (`Null` if the stored text is not JSON, which Postgres
    /// does not allow for a `json` column).
    pub fn payload_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null)
    }

    /// The metadata parsed as JSON (`Null` if it does not parse).
    pub fn metadata_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.metadata).unwrap_or(serde_json::Value::Null)
    }

    /// The event's body: the payload inside its `{"<event_type>": …}` tag.
    pub fn body(&self) -> serde_json::Value {
        let mut payload = self.payload_json();
        match payload.get_mut(&self.event_type) {
            Some(body) => body.take(),
            None => payload,
        }
    }
}
