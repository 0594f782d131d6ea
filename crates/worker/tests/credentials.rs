//! The worker unseals a connection's client secret once per connection version: after a
//! rotation the next Graph call uses the new secret, not the one it kept.

mod helpers;

use entra_emulator::{AppSeed, ClientSecretSeed};
use helpers::*;
use leasehold_command::{NewConnection, NewSecret};
use leasehold_domain::{
    Cloud, ConnectionName, CredentialKind, EntraObjectId, LeaseStatus, SecretName, Ttl,
    UserPrincipalName,
};
use secrecy::SecretString;

const BOB: &str = "bob@contoso.onmicrosoft.com";

#[tokio::test]
async fn the_first_activation_after_a_rotation_uses_the_new_client_secret() {
    let mut w = world().await;
    // An app registration with two secrets; the first expires in an hour (emulator time).
    let client_id = uuid::Uuid::new_v4();
    let emulator = w.emu.state();
    emulator
        .add_app(
            TENANT,
            AppSeed {
                client_id,
                display_name: "rotating".into(),
                secrets: vec![
                    ClientSecretSeed {
                        value: "first-client-secret-value".into(),
                        expires_at: Some(emulator.now() + chrono::Duration::hours(1)),
                    },
                    ClientSecretSeed {
                        value: "second-client-secret-value".into(),
                        expires_at: None,
                    },
                ],
                permissions: vec![
                    "User.Read.All".into(),
                    "User-PasswordProfile.ReadWrite.All".into(),
                    "User.RevokeSessions.All".into(),
                ],
                directory_roles: vec!["User Administrator".into()],
                ..Default::default()
            },
        )
        .expect("add app");
    let admin = meta("admin");
    let connection = ConnectionName::parse("rotating").expect("name");
    let base = w.emu.base_url().to_string();
    w.commands
        .create_connection(
            NewConnection {
                name: connection.clone(),
                tenant_id: TENANT.into(),
                client_id: client_id.to_string(),
                client_secret: SecretString::from("first-client-secret-value".to_string()),
                cloud: Cloud::Custom {
                    login_url: base.clone(),
                    graph_url: base,
                },
            },
            &admin,
        )
        .await
        .expect("create connection");
    let bob_id = emulator.user(TENANT, BOB).expect("bob").id.to_string();
    let secret = SecretName::parse("ops-bob").expect("name");
    w.commands
        .create_secret(
            NewSecret {
                name: secret.clone(),
                connection: connection.clone(),
                user_object_id: EntraObjectId::parse(&bob_id).expect("id"),
                user_principal_name: UserPrincipalName::parse(BOB).expect("upn"),
                display_name: "Bob".into(),
                default_ttl: Ttl::from_secs(3600).expect("ttl"),
                max_ttl: Ttl::from_secs(86400).expect("ttl"),
                credential_kind: CredentialKind::Password,
                tap_bounds: None,
            },
            &admin,
        )
        .await
        .expect("create secret");
    let lease_on_bob = |w: &World| {
        let commands = w.commands.clone();
        let secret = secret.clone();
        async move {
            let done = commands
                .request_lease(&secret, None, &meta("requester"))
                .await
                .expect("request lease");
            done.state.terms().expect("terms").lease_id
        }
    };

    // The worker unseals the first secret for this lease.
    let first = lease_on_bob(&w).await;
    w.drive_until(first, "first activation", |l| {
        l.status() == Some(LeaseStatus::Active)
    })
    .await;
    w.revoke(first, false).await;
    w.drive_until(first, "revocation", |l| {
        l.status() == Some(LeaseStatus::Revoked)
    })
    .await;

    // Rotated to the second secret; the first expires (and every token issued with it).
    w.commands
        .rotate_connection_secret(
            &connection,
            &SecretString::from("second-client-secret-value".to_string()),
            &admin,
        )
        .await
        .expect("rotate");
    emulator.advance_clock(std::time::Duration::from_secs(2 * 3600));

    let second = lease_on_bob(&w).await;
    let lease = w
        .drive_until(second, "activation after the rotation", |l| {
            l.status() != Some(LeaseStatus::Requested)
        })
        .await;
    assert_eq!(
        lease.status(),
        Some(LeaseStatus::Active),
        "{:?}",
        w.history(second).await
    );
    w.cleanup().await;
}
