//! Shared fixtures for leasehold's integration tests: a fresh database with connection
//! `contoso` and dynamic secret `ops-alice`, driven by the real command side.

mod poll;

pub use poll::Poll;

use chrono::{DateTime, Duration, Utc};
use leasehold_command::{Commands, Meta, NewConnection, NewSecret};
use leasehold_crypto::MasterKey;
use leasehold_domain::{
    Actor, Cloud, ConnectionName, EntraObjectId, SecretName, Ttl, UserPrincipalName,
};
use leasehold_store::testing::TestDb;
use leasehold_store::KeyStore;
use secrecy::SecretString;

/// The client secret of connection `contoso`, known to the tests so they can search for it.
pub const CLIENT_SECRET: &str = "Xq8~client.SECRET-value_0123456789abcdef";
/// A leased password known to the tests.
pub const PASSWORD: &str = "Lease-P4ssw0rd!known-to-the-test";
/// The Entra user behind `ops-alice`.
pub const UPN: &str = "alice@contoso.onmicrosoft.com";
/// Object id of that user.
pub const OBJECT_ID: &str = "6f1d2c3b-1111-4a5b-9c8d-0123456789ab";

/// A database with connection `contoso` and secret `ops-alice`.
pub struct World {
    /// The fresh database (dropped with the world).
    pub db: TestDb,
    /// Command execution over it, with a generated master key.
    pub commands: Commands,
    /// `ops-alice`.
    pub secret: SecretName,
}

/// Metadata for `actor` at `at`.
pub fn meta(actor: &str, at: DateTime<Utc>) -> Meta {
    Meta::new(Actor::parse(actor).expect("actor"), at)
}

/// The tests' fixed start time, 2026-11-27 12:00 UTC.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

/// `minutes` after [`t0`].
pub fn at(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

/// A world whose secret has a 1h default and 24h max TTL.
pub async fn world() -> World {
    world_with(3600, 86_400).await
}

/// A world whose secret has the given default and max TTL (seconds).
pub async fn world_with(default_ttl: u64, max_ttl: u64) -> World {
    let db = TestDb::new().await;
    let keys = KeyStore::new(db.pool.clone(), MasterKey::generate());
    let commands = Commands::new(db.pool.clone(), keys);
    let m = meta("admin", t0());
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
                user_object_id: EntraObjectId::parse(OBJECT_ID).expect("id"),
                user_principal_name: UserPrincipalName::parse(UPN).expect("upn"),
                display_name: "Alice".into(),
                default_ttl: Ttl::from_secs(default_ttl).expect("ttl"),
                max_ttl: Ttl::from_secs(max_ttl).expect("ttl"),
                credential_kind: leasehold_domain::CredentialKind::Password,
                tap_bounds: None,
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
