//! Master-key rotation: every data key is re-wrapped under the new key without touching
//! events; with the old key removed, active credentials still open for their owners and
//! revoked ones still do not.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use leasehold::Config;
use leasehold_command::{Commands, Meta, NewConnection, NewSecret};
use leasehold_crypto::MasterKey;
use leasehold_domain::{
    Actor, Cloud, ConnectionName, EntraObjectId, RevocationReason, SecretName, Ttl,
    UserPrincipalName,
};
use leasehold_store::testing::TestDb;
use leasehold_store::KeyStore;
use secrecy::{ExposeSecret, SecretString};

fn key_file(dir: &std::path::Path, name: &str, key: &MasterKey) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, key.to_base64()).expect("write key");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

async fn secret(commands: &Commands, name: &str, oid: &str, meta: &Meta) -> SecretName {
    let name = SecretName::parse(name).expect("name");
    commands
        .create_secret(
            NewSecret {
                name: name.clone(),
                connection: ConnectionName::parse("contoso").expect("conn"),
                user_object_id: EntraObjectId::parse(oid).expect("oid"),
                user_principal_name: UserPrincipalName::parse(&format!("{name}@contoso.com"))
                    .expect("upn"),
                display_name: name.to_string(),
                default_ttl: Ttl::from_secs(3600).expect("ttl"),
                max_ttl: Ttl::from_secs(7200).expect("ttl"),
                credential_kind: leasehold_domain::CredentialKind::Password,
                tap_bounds: None,
            },
            meta,
        )
        .await
        .expect("secret");
    name
}

#[tokio::test]
async fn rotation_rewraps_every_key_and_the_old_key_can_go() {
    let db = TestDb::new().await;
    let dir = std::env::temp_dir().join(format!("lh-rotate-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let old = MasterKey::generate();
    let new = MasterKey::generate();

    let commands = Arc::new(Commands::new(
        db.pool.clone(),
        KeyStore::new(db.pool.clone(), old.clone()),
    ));
    let meta = Meta::new(Actor::parse("alice").expect("actor"), Utc::now());
    commands
        .create_connection(
            NewConnection {
                name: ConnectionName::parse("contoso").expect("name"),
                tenant_id: "t".into(),
                client_id: "c".into(),
                client_secret: SecretString::from("client-secret-value".to_string()),
                cloud: Cloud::Global,
            },
            &meta,
        )
        .await
        .expect("connection");
    let live = secret(
        &commands,
        "live",
        "11111111-2222-4333-8444-555555555555",
        &meta,
    )
    .await;
    let gone = secret(
        &commands,
        "gone",
        "11111111-2222-4333-8444-666666666666",
        &meta,
    )
    .await;
    let active = commands
        .request_lease(&live, None, &meta)
        .await
        .expect("lease");
    let active_id = active.state.terms().expect("terms").lease_id;
    let password = SecretString::from("Active-Passw0rd!".to_string());
    commands
        .activate_lease(&active_id, &password, &meta)
        .await
        .expect("activate");
    let revoked = commands
        .request_lease(&gone, None, &meta)
        .await
        .expect("lease");
    let revoked_id = revoked.state.terms().expect("terms").lease_id;
    commands
        .activate_lease(
            &revoked_id,
            &SecretString::from("Revoked-Passw0rd!".to_string()),
            &meta,
        )
        .await
        .expect("activate");
    commands
        .revoke_lease(&revoked_id, RevocationReason::Manual, true, &meta)
        .await
        .expect("revoke");
    let events_before: Vec<String> =
        sqlx::query_scalar("SELECT payload::text FROM events ORDER BY global_position")
            .fetch_all(&db.pool)
            .await
            .expect("events");

    // During the rotation, engines configured with the new key and the old one as
    // previous keep serving: they open keys still wrapped under the old key.
    let during = Commands::new(
        db.pool.clone(),
        KeyStore::new(db.pool.clone(), new.clone()).with_previous(vec![old.clone()]),
    );
    let (_, opened) = during
        .lease_credential(&active_id)
        .await
        .expect("online read");
    assert_eq!(opened.expose_secret(), password.expose_secret());

    let config = Config {
        database_url: db.url.clone(),
        master_key_file: Some(key_file(&dir, "new.key", &new)),
        previous_master_key_files: vec![key_file(&dir, "old.key", &old)],
        ..Config::default()
    };
    let rotation = leasehold::keys::rotate_master(&config)
        .await
        .expect("rotate");
    assert_eq!(rotation.current, new.id());
    assert_eq!(
        rotation.rewrapped, 2,
        "the connection's key and the active lease's key"
    );
    assert_eq!(rotation.by_master, vec![(new.id().to_string(), 2)]);
    let events_after: Vec<String> =
        sqlx::query_scalar("SELECT payload::text FROM events ORDER BY global_position")
            .fetch_all(&db.pool)
            .await
            .expect("events");
    assert_eq!(events_before, events_after, "events are not touched");

    // The old key is removed: only the new one is configured.
    let commands = Commands::new(db.pool.clone(), KeyStore::new(db.pool.clone(), new.clone()));
    let (_, opened) = commands
        .lease_credential(&active_id)
        .await
        .expect("active credential");
    assert_eq!(opened.expose_secret(), password.expose_secret());
    let name = ConnectionName::parse("contoso").expect("name");
    let (_, client_secret) = commands
        .connection_secret(&name)
        .await
        .expect("client secret");
    assert_eq!(client_secret.expose_secret(), "client-secret-value");
    let err = commands.lease_credential(&revoked_id).await.unwrap_err();
    assert_eq!(err.code, leasehold_api::ErrorCode::LeaseNotActive);
    let old_only = Commands::new(db.pool.clone(), KeyStore::new(db.pool.clone(), old));
    assert!(
        old_only.lease_credential(&active_id).await.is_err(),
        "the old key no longer opens anything"
    );

    // A second run has nothing left to do.
    let again = leasehold::keys::rotate_master(&config)
        .await
        .expect("rotate again");
    assert_eq!(again.rewrapped, 0);
    std::fs::remove_dir_all(&dir).ok();
}
