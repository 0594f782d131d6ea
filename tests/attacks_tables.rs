//! Attacks through the tables beside the event log: whoever holds the engine's database
//! role (it must write `lease_requests` and the read models) tries to make the engine
//! hand them somebody else's password. The event store decides who gets a credential;
//! these tables never do. Real Postgres, the engine on its own nats-server with the
//! shipped configuration, the emulator. bob is the attacker.

mod helpers;
mod nats_server;

use helpers::{lease_create, lease_id_of, password_of, TestApp};
use leasehold_api::Operation;
use nats_server::{shipped_for, NatsServer};
use serde_json::json;

/// An engine with secrets `ops-alice` and `ops-bob`, and alice's active lease on
/// `ops-alice`: its id and password.
async fn alice_holds_a_lease() -> (NatsServer, TestApp, String, String) {
    let (server, app) = shipped_for(&["alice", "bob"], |_| {}).await;
    let reply = lease_create(&app.client("alice"), "ops-alice", None).await;
    (server, app, lease_id_of(&reply), password_of(&reply))
}

#[tokio::test]
async fn a_planted_request_id_does_not_hand_over_another_actors_lease() {
    let (server, app, alice_lease, password) = alice_holds_a_lease().await;
    // bob binds his request ids to alice's lease, behind the engine's back: once on her
    // secret, once on his own.
    let bob = app.client("bob");
    for (request_id, secret) in [("steal-1", "ops-alice"), ("steal-2", "ops-bob")] {
        sqlx::query(
            "INSERT INTO lease_requests (actor, request_id, secret, lease_id)
             VALUES ('bob', $1, $2, $3)",
        )
        .bind(request_id)
        .bind(secret)
        .bind(&alice_lease)
        .execute(&app.db.pool)
        .await
        .expect("plant the row");
        let refused = bob
            .command_with_id(
                Operation::LeaseCreate,
                &json!({ "secret": secret }),
                request_id,
            )
            .await
            .expect_err("the retry is not bob's");
        assert_eq!(
            refused.code(),
            Some(leasehold_api::ErrorCode::InvalidRequest),
            "{refused}"
        );
        assert!(!refused.to_string().contains(&password));
    }

    // alice's own retry still returns her lease.
    let again = app
        .client("alice")
        .query(
            Operation::LeaseGet,
            &json!({ "lease_id": alice_lease, "credentials": true }),
        )
        .await
        .expect("alice reads her credential");
    assert_eq!(again["credential"]["password"], password.as_str());
    app.stop().await;
    server.stop();
}

#[tokio::test]
async fn an_edited_read_model_does_not_hand_over_a_credential() {
    let (server, app, alice_lease, password) = alice_holds_a_lease().await;
    let bob = app.client("bob");
    // Wait until the read model has the lease, then make it say bob asked for it.
    let mut poll = leasehold_testkit::Poll::new(
        std::time::Duration::from_secs(30),
        std::time::Duration::from_millis(50),
    );
    loop {
        let edited = sqlx::query("UPDATE leases SET requested_by = 'bob' WHERE lease_id = $1")
            .bind(&alice_lease)
            .execute(&app.db.pool)
            .await
            .expect("edit the row")
            .rows_affected();
        if edited == 1 {
            break;
        }
        assert!(poll.again().await, "the lease never reached the read model");
    }
    let refused = bob
        .query(
            Operation::LeaseGet,
            &json!({ "lease_id": alice_lease, "credentials": true }),
        )
        .await
        .expect_err("the lease is alice's");
    assert_eq!(
        refused.code(),
        Some(leasehold_api::ErrorCode::Forbidden),
        "{refused}"
    );
    assert!(!refused.to_string().contains(&password));
    app.stop().await;
    server.stop();
}
