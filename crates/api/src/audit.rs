//! The results of `audit.history`, `audit.at`, `audit.export` and `audit.anchor`
//! (docs/audit.md); `audit.verify`'s report is in `verify.rs`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `audit.history`: a page of the events of one lease or one dynamic secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HistoryPage {
    /// Events in sequence order.
    pub items: Vec<HistoryEntry>,
    /// The sequence to pass as `after` for the next page; `null` when this page ends
    /// the history.
    pub next: Option<i64>,
}

/// One event of a history, as the event store recorded it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HistoryEntry {
    /// Position within the aggregate, from 1.
    pub sequence: i64,
    /// What happened, e.g. `LeaseRenewed`.
    pub event_type: String,
    /// When Postgres recorded it.
    pub recorded_at: DateTime<Utc>,
    /// The command's time (`metadata.at`), the domain's clock.
    pub at: Option<DateTime<Utc>>,
    /// Who asked: a user, or `system:<component>` (`system:scheduler` for expiries).
    pub actor: Option<String>,
    /// The delegate the actor asked through ("alice via http"); absent for direct
    /// requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The caller's request id, if any.
    pub request_id: Option<String>,
    /// The event's body, every sealed value replaced by `"[sealed]"`.
    pub changes: Value,
    /// The event's chain hash (hex), to compare with exported copies.
    pub hash: Option<String>,
}

/// `audit.at`: who held a working password for a user at a moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HolderAt {
    /// The user asked about, as given.
    pub user: String,
    /// The moment asked about.
    pub time: DateTime<Utc>,
    /// The lease whose password worked then; `null` when none did.
    pub holder: Option<Holder>,
}

/// A lease that held a working password for the user at the asked time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Holder {
    /// The lease.
    pub lease_id: String,
    /// The dynamic secret it was issued on.
    pub secret: String,
    /// Who asked for it.
    pub requested_by: String,
    /// The caller's request id, if given.
    pub request_id: Option<String>,
    /// When the password was set (`LeaseActivated`).
    pub valid_from: DateTime<Utc>,
    /// When it was revoked (exclusive); `null` while the lease may still work.
    pub valid_to: Option<DateTime<Utc>>,
    /// True when an operator forced the end without a confirmed Graph call: the password
    /// may have kept working after `valid_to`.
    pub forced: bool,
}

/// `audit.export`: a page of the event log of a time window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExportPage {
    /// Events in `global_position` order.
    pub items: Vec<ExportedEvent>,
    /// The position to pass as `after` for the next page; `null` when the window is
    /// exhausted.
    pub next: Option<i64>,
}

/// One exported event: an over-the-wire copy of a row of the event store, hashes
/// included, sealed values redacted. Over HTTP, one of these per line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExportedEvent {
    /// Position in the whole store; the paging cursor.
    pub global_position: i64,
    /// `Connection`, `DynamicSecret` or `Lease`.
    pub aggregate_type: String,
    /// The aggregate's id.
    pub aggregate_id: String,
    /// Position within the aggregate, from 1.
    pub sequence: i64,
    /// What happened, e.g. `LeaseRenewed`.
    pub event_type: String,
    /// Payload schema version.
    pub event_version: String,
    /// The tagged domain event (`{"<event_type>": {…}}`) with every sealed value replaced
    /// by `"[sealed]"`.
    pub payload: Value,
    /// Actor, request id and command time, as stored.
    pub metadata: Value,
    /// When Postgres recorded it.
    pub recorded_at: DateTime<Utc>,
    /// Hex hash of the previous event of the aggregate (`null` for the first).
    pub prev_hash: Option<String>,
    /// Hex chain hash of this event.
    pub hash: Option<String>,
}

/// `audit.anchor`: where the global event log ends now, for a checkpoint the caller signs
/// and later passes to `audit.verify` as `against` (`position` and `running_hash`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Anchor {
    /// Events logged so far (the last position).
    pub position: i64,
    /// Lowercase hex running hash at `position` (empty when nothing is logged).
    pub running_hash: String,
    /// When the engine read the head.
    pub at: DateTime<Utc>,
}

impl Anchor {
    /// The head alone, as `audit.verify` takes it.
    pub fn head(&self) -> crate::LogHead {
        crate::LogHead {
            position: self.position,
            running_hash: self.running_hash.clone(),
        }
    }
}
