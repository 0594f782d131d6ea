//! Identities through NATS itself: a nats-server running `deploy/nats/leasehold.conf`
//! lets each actor speak only as itself, read only its own replies, and nobody but the
//! engine publish events — and leasehold works for the actors it lets through.

mod helpers;
mod nats_server;

use std::time::Duration;

use async_nats::Client;
use futures::StreamExt;
use helpers::{lease_create, lease_id_of, TestApp};
use leasehold::app::Engine;
use leasehold::client::ApiClient;
use leasehold::Config;
use leasehold_api::Operation;
use leasehold_bus::Subjects;
use leasehold_crypto::MasterKey;
use nats_server::{shipped_for, Login, NatsServer};
use serde_json::json;

/// The sample server, the engine under its own identities, and the admin's set-up done.
async fn set_up() -> (NatsServer, TestApp, Subjects) {
    let (server, app) = shipped_for(&["alice", "bob"], |_| {}).await;
    let subjects = app.engine.subjects.clone();
    (server, app, subjects)
}

async fn raw_request(client: &Client, subject: &str, body: serde_json::Value) -> bool {
    let request = async_nats::Request::new()
        .payload(body.to_string().into())
        .timeout(Some(Duration::from_secs(2)));
    client
        .send_request(subject.to_string(), request)
        .await
        .is_ok()
}

#[tokio::test]
async fn nats_permissions_authenticate_every_actor() {
    let (server, app, subjects) = set_up().await;
    let mut alice = Login::connect(&server, "alice").await;
    let mut bob = Login::connect(&server, "bob").await;
    let alice_api = ApiClient::new(alice.client.clone(), subjects.clone(), "alice");
    let bob_api = ApiClient::new(bob.client.clone(), subjects.clone(), "bob");

    // The engine works for an ordinary actor.
    let lease = lease_create(&alice_api, "ops-alice", Some("10m")).await;
    assert_eq!(lease["status"], "active", "{lease}");
    let lease_id = lease_id_of(&lease);

    // Bob cannot speak as Alice: the server refuses the publish, nobody answers.
    let as_alice = subjects.command("alice", "lease.revoke");
    assert!(!raw_request(&bob.client, &as_alice, json!({ "lease_id": lease_id })).await);
    bob.expect_violation("Publish", &as_alice).await;
    let still = alice_api
        .query(Operation::LeaseGet, &json!({ "lease_id": lease_id }))
        .await
        .expect("lease.get");
    assert_eq!(still["lease"]["status"], "active", "{still}");
    let revocations = app.history(&lease_id).await;
    assert!(
        revocations
            .iter()
            .all(|(t, _)| t != "LeaseRevocationRequested"),
        "{revocations:?}"
    );

    // Bob may see the lease (policy) but never read Alice's credential.
    let seen = bob_api
        .query(Operation::LeaseGet, &json!({ "lease_id": lease_id }))
        .await
        .expect("bob may read the lease row");
    assert!(seen.get("credential").is_none());
    let refused = bob_api
        .query(
            Operation::LeaseGet,
            &json!({ "lease_id": lease_id, "credentials": true }),
        )
        .await
        .expect_err("bob may not read alice's credential");
    assert_eq!(
        refused.code(),
        Some(leasehold_api::ErrorCode::Forbidden),
        "{refused}"
    );

    // ... nor listen on Alice's inbox (or the default one) for her replies.
    let mut spy = bob.client.subscribe("_INBOX_alice.>").await.expect("sub");
    bob.expect_violation("Subscription", "_INBOX_alice.>").await;
    let _default = bob.client.subscribe("_INBOX.>").await.expect("sub");
    bob.expect_violation("Subscription", "_INBOX.>").await;
    let with_secret = alice_api
        .query(
            Operation::LeaseGet,
            &json!({ "lease_id": lease_id, "credentials": true }),
        )
        .await
        .expect("alice reads her own credential");
    assert!(with_secret["credential"]["password"].is_string());
    let overheard = tokio::time::timeout(Duration::from_millis(300), spy.next()).await;
    assert!(
        !matches!(overheard, Ok(Some(_))),
        "bob overheard a reply meant for alice"
    );

    // No actor can publish a fake event or call the JetStream API.
    let fake = subjects.event("Lease", &lease_id, "LeaseRevoked");
    for login in [&mut alice, &mut bob] {
        login
            .client
            .publish(fake.clone(), "{}".into())
            .await
            .expect("queued");
        login.client.flush().await.expect("flush");
        login.expect_violation("Publish", &fake).await;
    }
    let js_api = format!("$JS.API.STREAM.INFO.{}", subjects.stream_name());
    assert!(!raw_request(&alice.client, &js_api, json!({})).await);
    alice.expect_violation("Publish", &js_api).await;
    // Read through a test-only user with every right: the engine's own identities may
    // not read single messages.
    let observer = async_nats::jetstream::new(server.observer().await);
    let mut stream = observer
        .get_stream(subjects.stream_name())
        .await
        .expect("stream");
    let last = stream.get_last_raw_message_by_subject(&fake).await;
    assert!(last.is_err(), "a forged event reached the stream");
    let info = stream.info().await.expect("info");
    assert!(info.state.messages > 0, "the engine itself did publish");

    // The engine still serves Alice: she revokes her own lease.
    let revoked = alice_api
        .command(Operation::LeaseRevoke, &json!({ "lease_id": lease_id }))
        .await
        .expect("alice revokes her lease");
    assert_eq!(revoked["revoked"][0], lease_id.as_str());

    app.stop().await;
    server.stop();
}

#[tokio::test]
async fn the_engine_refuses_a_prefix_that_could_collide() {
    for prefix in ["acme.evt", "cmd", "x.query"] {
        let config = Config {
            subject_prefix: prefix.into(),
            ..Config::default()
        };
        let err = Engine::connect(config, MasterKey::generate())
            .await
            .err()
            .unwrap_or_else(|| panic!("prefix {prefix} was accepted"));
        assert!(err.to_string().contains("reserved"), "{err:#}");
    }
}
