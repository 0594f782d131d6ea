//! Shared fixtures for leasehold's integration tests: a fresh database with connection
//! `contoso` and dynamic secret `ops-alice`, driven by the real command side; a lease's
//! life step by step ([`lifecycle`]); NATS with a prefix of each test's own ([`nats`]).

pub mod lifecycle;
pub mod nats;
pub mod policy;
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
    let commands = commands(&db);
    let secret = seed(
        &commands,
        contoso(),
        OBJECT_ID,
        "Alice",
        (default_ttl, max_ttl),
        &meta("admin", t0()),
    )
    .await;
    World {
        db,
        commands,
        secret,
    }
}

/// Command execution over `db`, with a generated master key.
pub fn commands(db: &TestDb) -> Commands {
    Commands::new(
        db.pool.clone(),
        KeyStore::new(db.pool.clone(), MasterKey::generate()),
    )
}

/// Connection `contoso` for a fixed tenant and application on the global cloud, with
/// [`CLIENT_SECRET`].
pub fn contoso() -> NewConnection {
    NewConnection {
        name: ConnectionName::parse("contoso").expect("name"),
        tenant_id: "11111111-1111-1111-1111-111111111111".into(),
        client_id: "22222222-2222-2222-2222-222222222222".into(),
        client_secret: SecretString::from(CLIENT_SECRET.to_string()),
        cloud: Cloud::Global,
    }
}

/// Creates `connection` and on it the password secret `ops-alice` for the user [`UPN`]
/// with object id `object_id` and `display_name`, its default and max TTL `ttl`
/// (seconds), both with `m`.
pub async fn seed(
    commands: &Commands,
    connection: NewConnection,
    object_id: &str,
    display_name: &str,
    ttl: (u64, u64),
    m: &Meta,
) -> SecretName {
    let name = connection.name.clone();
    commands
        .create_connection(connection, m)
        .await
        .expect("create connection");
    let secret = SecretName::parse("ops-alice").expect("name");
    commands
        .create_secret(
            NewSecret {
                name: secret.clone(),
                connection: name,
                user_object_id: EntraObjectId::parse(object_id).expect("id"),
                user_principal_name: UserPrincipalName::parse(UPN).expect("upn"),
                display_name: display_name.into(),
                default_ttl: Ttl::from_secs(ttl.0).expect("ttl"),
                max_ttl: Ttl::from_secs(ttl.1).expect("ttl"),
                credential_kind: leasehold_domain::CredentialKind::Password,
                tap_bounds: None,
            },
            m,
        )
        .await
        .expect("create secret");
    secret
}
