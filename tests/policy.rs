//! Authorisation by policy on the command subjects.

mod helpers;

use helpers::TestApp;
use leasehold::app::Components;
use leasehold_api::Operation;
use leasehold_command::Policy;
use leasehold_testkit::policy::one_rule;
use serde_json::json;

fn policy() -> Policy {
    one_rule(&["dev"], &["lease.*"], &["ops-*"])
}

#[tokio::test]
async fn actors_do_only_what_the_policy_grants() {
    let app = TestApp::spawn_with(Default::default(), Components::ALL, policy()).await;
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    app.secrets("prod", &["bob"], "1h", "2h").await;
    let dev = app.client("dev");

    let lease = dev
        .command(Operation::LeaseCreate, &json!({ "secret": "ops-alice" }))
        .await
        .expect("granted");
    assert_eq!(lease["status"], "active");
    let err = dev
        .command(Operation::LeaseCreate, &json!({ "secret": "prod-bob" }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(leasehold_api::ErrorCode::Forbidden));
    let err = app
        .client("eve")
        .command(Operation::LeaseCreate, &json!({ "secret": "ops-alice" }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(leasehold_api::ErrorCode::Forbidden));
    let err = dev
        .command(Operation::ConnectionDelete, &json!({ "name": "contoso" }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(leasehold_api::ErrorCode::Forbidden));

    // Without any right to create secrets, the answer is the same for users that exist
    // and users that do not: nothing is revealed about the directory.
    for user in [
        "carol@contoso.onmicrosoft.com",
        "nobody@contoso.onmicrosoft.com",
    ] {
        let err = dev
            .command(
                Operation::SecretCreate,
                &json!({ "connection": "contoso", "prefix": "ops", "users": [user] }),
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            Some(leasehold_api::ErrorCode::Forbidden),
            "{user}"
        );
    }
    let lease_id = lease["lease"]["lease_id"].as_str().expect("id");
    let err = app
        .client("eve")
        .command(Operation::LeaseRevoke, &json!({ "lease_id": lease_id }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(leasehold_api::ErrorCode::Forbidden));
    dev.command(Operation::LeaseRevoke, &json!({ "lease_id": lease_id }))
        .await
        .expect("own revoke");
    app.stop().await;
}
