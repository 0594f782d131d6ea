//! `SecretEvent` → `dynamic_secrets` row.

use leasehold_domain::SecretEvent;

use super::ReadModel;
use crate::rows::SecretRow;
use crate::ttl::secs;

impl ReadModel for SecretRow {
    type Event = SecretEvent;
    const AGGREGATE: &'static str = "DynamicSecret";
    const TABLE: &'static str = "dynamic_secrets";
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

    fn fold(state: Option<Self>, event: SecretEvent) -> Option<Self> {
        if let SecretEvent::SecretCreated {
            name,
            connection,
            user_object_id,
            user_principal_name,
            display_name,
            default_ttl,
            max_ttl,
            credential_kind,
            created_at,
            ..
        } = event
        {
            return Some(SecretRow {
                name: name.to_string(),
                connection: connection.to_string(),
                user_object_id: user_object_id.to_string(),
                user_principal_name: user_principal_name.to_string(),
                display_name,
                default_ttl_secs: secs(default_ttl),
                max_ttl_secs: secs(max_ttl),
                credential_kind: credential_kind.name().to_string(),
                usable_once: match credential_kind {
                    leasehold_domain::CredentialKind::Password => None,
                    leasehold_domain::CredentialKind::TemporaryAccessPass { usable_once } => {
                        Some(usable_once)
                    }
                },
                live_lease_id: None,
                created_at,
                updated_at: None,
                deleted_at: None,
                last_sequence: 0,
            });
        }
        let mut row = state?;
        match event {
            SecretEvent::SecretCreated { .. } => {}
            SecretEvent::SecretUpdated {
                default_ttl,
                max_ttl,
                connection,
                updated_at,
            } => {
                row.default_ttl_secs = secs(default_ttl);
                row.max_ttl_secs = secs(max_ttl);
                row.connection = connection.to_string();
                row.updated_at = Some(updated_at);
            }
            SecretEvent::SecretDeleted { deleted_at, .. } => row.deleted_at = Some(deleted_at),
            SecretEvent::LeaseReserved { lease_id, .. } => {
                row.live_lease_id = Some(lease_id.to_string());
            }
            // Mirrors the aggregate: a release always empties the slot.
            SecretEvent::LeaseReleased { .. } => row.live_lease_id = None,
        }
        Some(row)
    }
}
