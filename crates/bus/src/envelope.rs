//! The envelope of an event as the relay publishes it on JetStream.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// JetStream de-duplication header: `<aggregate_type>:<aggregate_id>:<sequence>`.
pub const HEADER_MSG_ID: &str = "Nats-Msg-Id";
/// Idempotency key of a command request.
pub const HEADER_REQUEST_ID: &str = "Leasehold-Request-Id";
/// The actor a delegate (the HTTP gateway) asks for: the policy applies to that actor,
/// and events record both. Honoured only from actors in `policy.delegates`.
pub const HEADER_ON_BEHALF_OF: &str = "Leasehold-On-Behalf-Of";
/// The app roles a delegate vouches the named actor holds (comma-separated); those in
/// `policy.admin_roles` make it an admin for that request. Read only with
/// [`HEADER_ON_BEHALF_OF`] from a delegate.
pub const HEADER_ON_BEHALF_OF_ROLES: &str = "Leasehold-On-Behalf-Of-Roles";

/// One stored event, as published on `<prefix>.evt.<type>.<id>.<event_type>`.
///
/// `payload` is the domain event exactly as stored (externally tagged by event type);
/// sealed values stay sealed, plaintext secrets never appear.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventMessage {
    /// Envelope version.
    pub v: u32,
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
    /// The domain event.
    pub payload: serde_json::Value,
    /// Actor, request id and command time.
    pub metadata: serde_json::Value,
    /// When Postgres recorded it.
    pub recorded_at: DateTime<Utc>,
    /// Position in the whole store.
    pub global_position: i64,
}

impl EventMessage {
    /// The de-duplication id of this event.
    pub fn msg_id(&self) -> String {
        format!(
            "{}:{}:{}",
            self.aggregate_type, self.aggregate_id, self.sequence
        )
    }

    /// The inner payload object of the tagged event (`payload[event_type]`).
    pub fn body(&self) -> &serde_json::Value {
        self.payload.get(&self.event_type).unwrap_or(&self.payload)
    }

    /// A metadata string field (`actor`, `request_id`, `at`).
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).and_then(|v| v.as_str())
    }
}
