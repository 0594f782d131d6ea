//! Authorisation by policy on the command subjects.

mod helpers;

use helpers::TestApp;
use leasehold::app::Components;
use leasehold_command::{Policy, Rule};
use serde_json::json;

fn policy() -> Policy {
    Policy {
        admins: vec!["admin".into()],
        rules: vec![Rule {
            actors: vec!["dev".into()],
            ops: vec!["lease.*".into()],
            secrets: vec!["ops-*".into()],
        }],
    }
}

#[tokio::test]
async fn actors_do_only_what_the_policy_grants() {
    let app = TestApp::spawn_with(Default::default(), Components::ALL, policy()).await;
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    app.secrets("prod", &["bob"], "1h", "2h").await;
    let dev = app.client("dev");

    let lease = dev
        .command("lease.create", &json!({ "secret": "ops-alice" }))
        .await
        .expect("granted");
    assert_eq!(lease["status"], "active");
    let err = dev
        .command("lease.create", &json!({ "secret": "prod-bob" }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("forbidden"));
    let err = app
        .client("eve")
        .command("lease.create", &json!({ "secret": "ops-alice" }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("forbidden"));
    let err = dev
        .command("connection.delete", &json!({ "name": "contoso" }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("forbidden"));

    // Without any right to create secrets, the answer is the same for users that exist
    // and users that do not: nothing is revealed about the directory.
    for user in [
        "carol@contoso.onmicrosoft.com",
        "nobody@contoso.onmicrosoft.com",
    ] {
        let err = dev
            .command(
                "secret.create",
                &json!({ "connection": "contoso", "prefix": "ops", "users": [user] }),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("forbidden"), "{user}");
    }
    let lease_id = lease["lease"]["lease_id"].as_str().expect("id");
    let err = app
        .client("eve")
        .command("lease.revoke", &json!({ "lease_id": lease_id }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("forbidden"));
    dev.command("lease.revoke", &json!({ "lease_id": lease_id }))
        .await
        .expect("own revoke");
    app.stop().await;
}
