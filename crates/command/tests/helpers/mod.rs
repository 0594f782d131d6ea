//! Shared set-up for the command-side integration tests: a fresh database, a master key,
//! and a connection with one dynamic secret.

use chrono::{DateTime, Utc};
use leasehold_command::{Commands, Meta, NewConnection, NewSecret};
use leasehold_crypto::MasterKey;
use leasehold_domain::{
    Actor, Cloud, ConnectionName, EntraObjectId, SecretName, Ttl, UserPrincipalName,
};
use leasehold_store::testing::TestDb;
use leasehold_store::KeyStore;
use secrecy::SecretString;

pub const CLIENT_SECRET: &str = "Xq8~client.SECRET-value_0123456789abcdef";

pub struct World {
    pub db: TestDb,
    pub commands: Commands,
    pub secret: SecretName,
}

pub fn meta(actor: &str, at: DateTime<Utc>) -> Meta {
    Meta::new(Actor::parse(actor).expect("actor"), at)
}

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

/// A fresh database with connection `contoso` and secret `ops-alice` (1h default, 24h max).
pub async fn world() -> World {
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
                user_object_id: EntraObjectId::parse("6f1d2c3b-1111-4a5b-9c8d-0123456789ab")
                    .expect("id"),
                user_principal_name: UserPrincipalName::parse("alice@contoso.onmicrosoft.com")
                    .expect("upn"),
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
