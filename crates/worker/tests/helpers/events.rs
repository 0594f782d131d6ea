//! Reading a lease's history in tests.

use leasehold_domain::{LeaseEvent, LeaseId};

use super::World;

/// The frozen type name of an event (its externally tagged serde key).
fn event_type(event: &LeaseEvent) -> String {
    let value = serde_json::to_value(event).expect("event serialises");
    value
        .as_object()
        .and_then(|o| o.keys().next().cloned())
        .expect("tagged event")
}

impl World {
    /// The event types of a lease, oldest first.
    pub async fn history(&self, lease: LeaseId) -> Vec<String> {
        self.commands
            .leases
            .history(&lease)
            .await
            .expect("history")
            .iter()
            .map(|e| event_type(&e.payload))
            .collect()
    }

    /// The lease's events of one type, as JSON bodies.
    pub async fn events_of(&self, lease: LeaseId, event_type: &str) -> Vec<serde_json::Value> {
        self.commands
            .leases
            .history(&lease)
            .await
            .expect("history")
            .iter()
            .filter_map(|e| serde_json::to_value(&e.payload).ok())
            .filter_map(|v| v.get(event_type).cloned())
            .collect()
    }
}
