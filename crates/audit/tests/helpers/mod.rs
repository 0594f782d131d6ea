//! Shared set-up for the audit tests: a fresh database with connection `contoso`, secret
//! `ops-alice`, and one lease driven through its whole life by the real command side.

#![allow(dead_code)] // each test binary uses a different part of this module

use chrono::{DateTime, Duration, Utc};
use leasehold_command::{Commands, Meta, NewConnection, NewSecret};
use leasehold_crypto::MasterKey;
use leasehold_domain::{
    Actor, Cloud, ConnectionName, EntraObjectId, FailureInfo, LeaseId, RevocationReason,
    SecretName, Ttl, UserPrincipalName,
};
use leasehold_store::testing::TestDb;
use leasehold_store::KeyStore;
use secrecy::SecretString;

pub const CLIENT_SECRET: &str = "Xq8~client.SECRET-value_0123456789abcdef";
pub const PASSWORD: &str = "Lease-P4ssw0rd!known-to-the-test";
pub const UPN: &str = "alice@contoso.onmicrosoft.com";

pub struct World {
    pub db: TestDb,
    pub commands: Commands,
    pub secret: SecretName,
}

pub fn meta(actor: &str, minutes: i64) -> Meta {
    Meta::new(Actor::parse(actor).expect("actor"), at(minutes))
}

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

pub fn at(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

/// A database with connection `contoso` and secret `ops-alice` (1h default, 24h max).
pub async fn world() -> World {
    let db = TestDb::new().await;
    let keys = KeyStore::new(db.pool.clone(), MasterKey::generate());
    let commands = Commands::new(db.pool.clone(), keys);
    let m = meta("admin", 0);
    commands
        .create_connection(
            NewConnection {
                name: ConnectionName::parse("contoso").expect("name"),
                tenant_id: "11111111-1111-1111-1111-111111111111".into(),
                client_id: "22222222-2222-2222-2222-222222222222".into(),
                client_secret: SecretString::from(CLIENT_SECRET.to_string()),
                cloud: Cloud::Global,
            },
            &m,
        )
        .await
        .expect("create connection");
    let secret = SecretName::parse("ops-alice").expect("name");
    commands
        .create_secret(
            NewSecret {
                name: secret.clone(),
                connection: ConnectionName::parse("contoso").expect("name"),
                user_object_id: EntraObjectId::parse("6f1d2c3b-1111-4a5b-9c8d-0123456789ab")
                    .expect("id"),
                user_principal_name: UserPrincipalName::parse(UPN).expect("upn"),
                display_name: "Alice".into(),
                default_ttl: Ttl::from_secs(3600).expect("ttl"),
                max_ttl: Ttl::from_secs(86400).expect("ttl"),
            },
            &m,
        )
        .await
        .expect("create secret");
    World {
        db,
        commands,
        secret,
    }
}

/// Requested by alice (request id `req-1`) at 0, one failed activation attempt at 1,
/// activated at 2, renewed by 2h at 10 (expires at 130).
pub async fn active_lease(w: &World) -> LeaseId {
    let m = meta("alice", 0).with_request_id(Some("req-1".into()));
    let lease = w
        .commands
        .request_lease(&w.secret, None, &m)
        .await
        .expect("request lease");
    let id = lease.state.terms().expect("terms").lease_id;
    w.commands
        .record_activation_failure(&id, failure(1), false, &meta("system:worker", 1))
        .await
        .expect("activation failure");
    let password = SecretString::from(PASSWORD.to_string());
    w.commands
        .activate_lease(&id, &password, &meta("system:worker", 2))
        .await
        .expect("activate");
    w.commands
        .renew_lease(
            &id,
            Some(Ttl::from_secs(7200).expect("ttl")),
            &meta("alice", 10),
        )
        .await
        .expect("renew");
    id
}

/// Expired by the scheduler at 131, one failed revocation attempt at 132, confirmed at
/// 135 (which destroys the lease's data key and releases the secret).
pub async fn expire(w: &World, id: &LeaseId) {
    w.commands
        .expire_lease(id, &meta("system:scheduler", 131))
        .await
        .expect("expire");
    w.commands
        .record_revocation_failure(id, failure(2), &meta("system:worker", 132))
        .await
        .expect("revocation failure");
    w.commands
        .confirm_revocation(id, false, &meta("system:worker", 135))
        .await
        .expect("confirm");
}

/// Revoked by alice at `minutes`, confirmed by the worker a minute later.
pub async fn revoke(w: &World, id: &LeaseId, minutes: i64) {
    w.commands
        .revoke_lease(id, RevocationReason::Manual, false, &meta("alice", minutes))
        .await
        .expect("revoke");
    w.commands
        .confirm_revocation(id, false, &meta("system:worker", minutes + 1))
        .await
        .expect("confirm");
}

pub fn failure(n: i64) -> FailureInfo {
    FailureInfo {
        kind: "transient".into(),
        message: format!("Graph answered 503 (attempt {n})"),
        request_id: Some(format!("graph-req-{n}")),
    }
}

/// A world whose lease has lived its whole life.
pub async fn finished_world() -> (World, LeaseId) {
    let w = world().await;
    let id = active_lease(&w).await;
    expire(&w, &id).await;
    (w, id)
}
