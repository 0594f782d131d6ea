//! `connection.*`, `secret.*` and `users.list` through `QueryService::handle`.

mod helpers;

use helpers::query::fixture;
use helpers::{at, meta, UPN};
use leasehold_domain::{ConnectionName, EntraObjectId, SecretName, Ttl, UserPrincipalName};
use serde_json::json;

#[tokio::test]
async fn connections_and_secrets() {
    let f = fixture().await;
    f.project().await;
    let c = f
        .ok("ops", "connection.get", json!({"name": "contoso"}))
        .await;
    assert_eq!(c["client_id"], "22222222-2222-2222-2222-222222222222");
    assert!(c["created_at"]
        .as_str()
        .expect("time")
        .starts_with("2026-11-27T12:00:00"));
    let list = f.ok("ops", "connection.list", json!({})).await;
    assert_eq!(list["items"].as_array().expect("items").len(), 1);
    assert_eq!(
        f.code("alice", "connection.get", json!({"name": "contoso"}))
            .await,
        "forbidden"
    );
    assert_eq!(
        f.code("ops", "connection.get", json!({"name": "nope"}))
            .await,
        "not_found"
    );

    let s = f
        .ok("alice", "secret.get", json!({"name": "ops-alice"}))
        .await;
    assert_eq!(
        (s["default_ttl"].as_u64(), s["max_ttl"].as_u64()),
        (Some(3600), Some(86_400))
    );
    assert_eq!(s["default_ttl_secs"], 3600);
    assert_eq!(s["user_principal_name"], UPN);
    assert_eq!(
        f.code("mallory", "secret.get", json!({"name": "ops-alice"}))
            .await,
        "forbidden"
    );

    // A second secret outside alice's patterns, for listing and paging.
    f.w.commands
        .create_secret(
            leasehold_command::NewSecret {
                name: SecretName::parse("prod-bob").expect("name"),
                connection: ConnectionName::parse("contoso").expect("name"),
                user_object_id: EntraObjectId::parse("7f1d2c3b-1111-4a5b-9c8d-0123456789ab")
                    .expect("id"),
                user_principal_name: UserPrincipalName::parse("bob@contoso.onmicrosoft.com")
                    .expect("upn"),
                display_name: "Bob".into(),
                default_ttl: Ttl::from_secs(1800).expect("ttl"),
                max_ttl: Ttl::from_secs(3600).expect("ttl"),
                credential_kind: leasehold_domain::CredentialKind::Password,
                tap_bounds: None,
            },
            &meta("admin", at(5)),
        )
        .await
        .expect("second secret");
    f.project().await;
    let all = f
        .ok("ops", "secret.list", json!({"connection": "contoso"}))
        .await;
    let names: Vec<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["ops-alice", "prod-bob"]);
    let page = f.ok("ops", "secret.list", json!({"limit": 1})).await;
    assert_eq!(page["items"][0]["name"], "ops-alice");
    assert_eq!(page["next"], "ops-alice");
    let rest = f
        .ok(
            "ops",
            "secret.list",
            json!({"limit": 1, "after": "ops-alice"}),
        )
        .await;
    assert_eq!(rest["items"][0]["name"], "prod-bob");
    let mine = f.ok("alice", "secret.list", json!({})).await;
    assert_eq!(
        mine["items"].as_array().expect("items").len(),
        1,
        "alice sees ops-* only"
    );
    let none = f.ok("mallory", "secret.list", json!({})).await;
    assert_eq!(none["items"], json!([]));
}

#[tokio::test]
async fn users_come_from_the_directory() {
    let f = fixture().await;
    let users = f
        .ok(
            "ops",
            "users.list",
            json!({"connection": "contoso", "starts_with": "al"}),
        )
        .await;
    let upns: Vec<&str> = users["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["user_principal_name"].as_str())
        .collect();
    assert_eq!(
        upns,
        [
            "alice@contoso.onmicrosoft.com",
            "albert@contoso.onmicrosoft.com"
        ]
    );
    assert_eq!(
        f.ok("ops", "users.list", json!({"connection": "contoso"}))
            .await["items"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(
        f.code("ops", "users.list", json!({"connection": "other"}))
            .await,
        "not_found"
    );
    assert_eq!(
        f.code("alice", "users.list", json!({"connection": "contoso"}))
            .await,
        "forbidden"
    );
}
