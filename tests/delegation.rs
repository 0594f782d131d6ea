//! Delegation over NATS: only an actor in `policy.delegates` may name another actor in
//! `Leasehold-On-Behalf-Of`; the policy then applies to the actor named, and events
//! record both.

mod helpers;

use entra_emulator::EmulatorConfig;
use helpers::TestApp;
use leasehold::app::Components;
use leasehold_api::{ErrorCode, Operation};
use leasehold_command::{Policy, Rule};
use serde_json::json;

const GATEWAY: &str = "http";
const CI: &str = "ci";
const ADMIN_ROLE: &str = "Leasehold.Admin";

/// `admin` does everything; `ci` may lease `app-*`; the gateway may delegate.
fn policy() -> Policy {
    Policy {
        admins: vec!["admin".into()],
        rules: vec![Rule {
            actors: vec![CI.into()],
            ops: vec!["lease.*".into()],
            secrets: vec!["app-*".into()],
        }],
        delegates: vec![GATEWAY.into()],
        admin_roles: vec![ADMIN_ROLE.into()],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_delegate_naming_another_actor_is_refused() {
    let app = TestApp::spawn_with(EmulatorConfig::default(), Components::ALL, policy()).await;
    app.connect().await;
    app.secrets("app", &["alice"], "1h", "2h").await;

    // mallory is no delegate: naming admin gets her nothing, on either tree.
    let mallory = app.client("mallory").on_behalf_of("admin");
    let refused = mallory
        .command(Operation::LeaseCreate, &json!({ "secret": "app-alice" }))
        .await
        .expect_err("mallory may not speak for admin");
    assert_eq!(refused.code(), Some(ErrorCode::Forbidden), "{refused}");
    let refused = mallory
        .query(Operation::ConnectionList, &json!({}))
        .await
        .expect_err("nor read as admin");
    assert_eq!(refused.code(), Some(ErrorCode::Forbidden), "{refused}");

    // The gateway is a delegate, but gets only what the named actor may do.
    let gateway = app.client(GATEWAY);
    let refused = gateway
        .on_behalf_of("mallory")
        .command(Operation::LeaseCreate, &json!({ "secret": "app-alice" }))
        .await
        .expect_err("mallory has no rule");
    assert_eq!(refused.code(), Some(ErrorCode::Forbidden), "{refused}");
    let created = gateway
        .on_behalf_of(CI)
        .command(Operation::LeaseCreate, &json!({ "secret": "app-alice" }))
        .await
        .expect("ci may lease app-*");
    let lease_id = created["lease"]["lease_id"].as_str().expect("id");
    assert_eq!(created["lease"]["requested_by"], CI);

    let (actor, via): (String, String) = sqlx::query_as(
        "SELECT metadata ->> 'actor', metadata ->> 'via' FROM events
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 ORDER BY sequence LIMIT 1",
    )
    .bind(lease_id)
    .fetch_one(&app.db.pool)
    .await
    .expect("the lease's first event");
    assert_eq!((actor.as_str(), via.as_str()), (CI, GATEWAY));
    let leases: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT aggregate_id) FROM events WHERE aggregate_type = 'Lease'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    assert_eq!(leases, 1, "only the delegated request made a lease");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_role_counts_only_when_a_delegate_vouches_for_it() {
    let app = TestApp::spawn_with(EmulatorConfig::default(), Components::ALL, policy()).await;
    app.connect().await;
    let list = |client: leasehold::client::ApiClient| async move {
        client
            .query(Operation::ConnectionList, &json!({}))
            .await
            .map_err(|e| e.code())
    };
    let gateway = app.client(GATEWAY);
    let admin = vec![ADMIN_ROLE.to_string()];
    let other = vec!["Leasehold.Lease".to_string()];

    assert!(list(gateway.on_behalf_of(CI).vouching_roles(&admin))
        .await
        .is_ok());
    assert_eq!(
        list(gateway.on_behalf_of(CI)).await.err(),
        Some(Some(ErrorCode::Forbidden)),
        "without the role ci is no admin"
    );
    assert_eq!(
        list(gateway.on_behalf_of(CI).vouching_roles(&other))
            .await
            .err(),
        Some(Some(ErrorCode::Forbidden)),
        "a role outside admin_roles grants nothing"
    );
    // A non-delegate vouching for itself gets nothing either.
    assert_eq!(
        list(app.client(CI).on_behalf_of(CI).vouching_roles(&admin))
            .await
            .err(),
        Some(Some(ErrorCode::Forbidden))
    );
    // Admin for one request only: the next one without the role is ci again.
    assert_eq!(
        list(app.client(CI)).await.err(),
        Some(Some(ErrorCode::Forbidden))
    );
    app.stop().await;
}
