//! Given/when/then specifications of the dynamic-secret aggregate.

use cqrs_es::test::TestFramework;

use super::*;

mod definition;
mod leases;
mod state;
mod tap;
mod terms;
use crate::test_support::{at, connection_name, lease_id, secret_name, ttl, upn, user_id};

type Fixture = TestFramework<DynamicSecret>;

const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

fn create_with(default_ttl: u64, max_ttl: u64) -> SecretCommand {
    SecretCommand::Create {
        name: secret_name("db-admin"),
        connection: connection_name("contoso"),
        user_object_id: user_id(),
        user_principal_name: upn(),
        display_name: "Alice".into(),
        default_ttl: ttl(default_ttl),
        max_ttl: ttl(max_ttl),
        credential_kind: CredentialKind::Password,
        tap_bounds: None,
        at: at(0),
    }
}

fn created() -> SecretEvent {
    SecretEvent::SecretCreated {
        name: secret_name("db-admin"),
        connection: connection_name("contoso"),
        user_object_id: user_id(),
        user_principal_name: upn(),
        display_name: "Alice".into(),
        default_ttl: ttl(HOUR),
        max_ttl: ttl(DAY),
        credential_kind: CredentialKind::Password,
        tap_bounds: None,
        created_at: at(0),
    }
}

fn reserved(n: u8, issued: i64) -> SecretEvent {
    SecretEvent::LeaseReserved {
        lease_id: lease_id(n),
        ttl: ttl(HOUR),
        issued_at: at(issued),
        expires_at: at(issued + HOUR as i64),
        max_expires_at: at(issued + DAY as i64),
    }
}

fn released(n: u8, when: i64) -> SecretEvent {
    SecretEvent::LeaseReleased {
        lease_id: lease_id(n),
        reason: ReleaseReason::Ended,
        released_at: at(when),
    }
}

fn reserve(n: u8, requested: Option<u64>, when: i64) -> SecretCommand {
    SecretCommand::ReserveLease {
        lease_id: lease_id(n),
        ttl: requested.map(ttl),
        at: at(when),
    }
}

fn deleted(live: Option<u8>) -> SecretEvent {
    SecretEvent::SecretDeleted {
        live_lease: live.map(lease_id),
        deleted_at: at(50),
    }
}
