//! `ConnectionEvent` → `connections` row.

use leasehold_domain::ConnectionEvent;

use super::ReadModel;
use crate::rows::ConnectionRow;

impl ReadModel for ConnectionRow {
    type Event = ConnectionEvent;
    const AGGREGATE: &'static str = "Connection";
    const TABLE: &'static str = "connections";
    const KEY: &'static str = "name";

    fn key(&self) -> &str {
        &self.name
    }

    fn last_sequence(&self) -> i64 {
        self.last_sequence
    }

    fn set_last_sequence(&mut self, sequence: i64) {
        self.last_sequence = sequence;
    }

    fn fold(state: Option<Self>, event: ConnectionEvent) -> Option<Self> {
        match event {
            // The sealed client secret is dropped here: read models never hold it.
            ConnectionEvent::ConnectionCreated {
                name,
                tenant_id,
                client_id,
                client_secret: _,
                cloud,
                created_at,
            } => Some(ConnectionRow {
                name: name.to_string(),
                tenant_id,
                client_id,
                // Cloud is a plain tagged enum of strings: serializing it cannot fail.
                cloud,
                created_at,
                rotated_at: None,
                deleted_at: None,
                last_sequence: 0,
            }),
            ConnectionEvent::ConnectionSecretRotated { rotated_at, .. } => {
                state.map(|row| ConnectionRow {
                    rotated_at: Some(rotated_at),
                    ..row
                })
            }
            ConnectionEvent::ConnectionDeleted { deleted_at } => state.map(|row| ConnectionRow {
                deleted_at: Some(deleted_at),
                ..row
            }),
        }
    }
}
