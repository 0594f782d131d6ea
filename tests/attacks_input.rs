//! Hostile input against the request handlers, sent as alice (a documented actor of
//! `deploy/nats/leasehold.conf`) through a nats-server running that configuration: a
//! string crafted so that clipping serde's error message at a byte offset would cut a
//! character in two, and a handler that panics. Each gets a reply, and the service
//! answers the next request as usual.

mod helpers;
mod nats_server;

use std::time::Duration;

use async_nats::{Client, HeaderMap};
use helpers::TestApp;
use leasehold::client::ApiClient;
use leasehold_api::Operation;
use leasehold_bus::{Subjects, HEADER_REQUEST_ID};
use leasehold_command::service::FAULT_PANIC_REQUEST_ID;
use nats_server::{shipped_for, Login, NatsServer};
use serde_json::{json, Value};

async fn set_up() -> (NatsServer, TestApp, Subjects) {
    let (server, app) = shipped_for(&["alice"], |_| {}).await;
    let subjects = app.engine.subjects.clone();
    (server, app, subjects)
}

/// Sends a raw request as `client` and returns the reply body, or `None` when nothing
/// answered within a few seconds.
async fn request(
    client: &Client,
    subject: String,
    payload: Vec<u8>,
    request_id: Option<&str>,
) -> Option<Value> {
    let mut request = async_nats::Request::new()
        .payload(payload.into())
        .timeout(Some(Duration::from_secs(5)));
    if let Some(id) = request_id {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER_REQUEST_ID, id);
        request = request.headers(headers);
    }
    let reply = client.send_request(subject, request).await.ok()?;
    Some(serde_json::from_slice(&reply.payload).expect("a JSON reply"))
}

/// A JSON object whose only key is long enough, in two-byte characters, that serde's
/// "unknown field `…`" message has a character across byte 300.
fn crafted_payload() -> Vec<u8> {
    let key = "é".repeat(200);
    let message = format!("unknown field `{key}`");
    assert!(
        !message.is_char_boundary(300),
        "byte 300 splits a character"
    );
    format!(r#"{{"{key}": 1}}"#).into_bytes()
}

async fn lease_works(alice: &ApiClient) {
    let lease = alice
        .command(
            Operation::LeaseCreate,
            &json!({ "secret": "ops-alice", "ttl": "10m" }),
        )
        .await
        .expect("the next request is served");
    assert_eq!(lease["status"], "active", "{lease}");
    let id = lease["lease"]["lease_id"].as_str().expect("lease id");
    alice
        .command(Operation::LeaseRevoke, &json!({ "lease_id": id }))
        .await
        .expect("revoke");
}

#[tokio::test]
async fn a_crafted_multibyte_string_is_answered_and_the_service_keeps_serving() {
    let (server, app, subjects) = set_up().await;
    let alice = Login::connect(&server, "alice").await;
    let alice_api = ApiClient::new(alice.client.clone(), subjects.clone(), "alice");

    for op in ["lease.create", "lease.renew", "lease.revoke"] {
        let reply = request(
            &alice.client,
            subjects.command("alice", op),
            crafted_payload(),
            None,
        )
        .await
        .unwrap_or_else(|| panic!("{op}: no reply to the crafted string"));
        assert_eq!(reply["error"]["code"], "invalid_request", "{op}: {reply}");
    }
    for op in ["lease.get", "lease.list", "secret.get", "secret.list"] {
        let reply = request(
            &alice.client,
            subjects.query("alice", op),
            crafted_payload(),
            None,
        )
        .await
        .unwrap_or_else(|| panic!("{op}: no reply to the crafted string"));
        assert_eq!(reply["error"]["code"], "invalid_request", "{op}: {reply}");
    }
    lease_works(&alice_api).await;
    app.stop().await;
    server.stop();
}

#[tokio::test]
async fn a_panicking_handler_is_answered_internal_and_the_service_keeps_serving() {
    let (server, app, subjects) = set_up().await;
    let alice = Login::connect(&server, "alice").await;
    let alice_api = ApiClient::new(alice.client.clone(), subjects.clone(), "alice");

    // Several in a row: each is answered, none takes the service down.
    for _ in 0..3 {
        let reply = request(
            &alice.client,
            subjects.command("alice", "lease.create"),
            json!({ "secret": "ops-alice", "ttl": "10m" })
                .to_string()
                .into_bytes(),
            Some(FAULT_PANIC_REQUEST_ID),
        )
        .await
        .expect("a reply although the handler panicked");
        assert_eq!(reply["error"]["code"], "internal", "{reply}");
        let message = reply["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !message.contains("fault hook"),
            "the panic message stays in the server: {message}"
        );
    }
    lease_works(&alice_api).await;
    app.stop().await;
    server.stop();
}
