//! Abuse limits over NATS: a per-actor request rate (`rate_limited`, with
//! `details.retry_after_ms`) and a per-actor cap on live leases (`quota_exceeded`).

mod helpers;

use std::time::Duration;

use entra_emulator::EmulatorConfig;
use futures::future::join_all;
use helpers::{status_is, TestApp};
use leasehold::app::Components;
use leasehold::client::ApiError;
use leasehold_api::Operation;
use leasehold_command::Policy;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn codes(replies: &[Result<Value, ApiError>]) -> (usize, Vec<&ApiError>) {
    let ok = replies.iter().filter(|r| r.is_ok()).count();
    let errors = replies.iter().filter_map(|r| r.as_ref().err()).collect();
    (ok, errors)
}

/// Waits until both services answer (they subscribe as they start).
async fn wait_until_serving(app: &TestApp) {
    let probe = app.client("probe");
    let mut poll = leasehold_testkit::Poll::new(WAIT, Duration::from_millis(20));
    loop {
        let query = probe.query(Operation::ConnectionList, &json!({})).await;
        let command = probe.command(Operation::LeaseRenew, &json!({})).await;
        let answered = |r: &Result<Value, ApiError>| !matches!(r, Err(ApiError::NoAnswer { .. }));
        if answered(&query) && answered(&command) {
            return;
        }
        assert!(poll.again().await, "services never answered");
    }
}

#[tokio::test]
async fn an_actor_over_its_rate_is_told_when_to_retry() {
    let app = TestApp::spawn_custom(
        EmulatorConfig::default(),
        Components::ALL,
        Policy::allow_all(),
        |c| {
            c.limits.requests_per_second = 1;
            c.limits.burst = 5;
        },
    )
    .await;
    wait_until_serving(&app).await;
    let dev = app.client("dev");

    // Queries: the burst passes, the rest are refused with a hint.
    let empty = json!({});
    let replies = join_all((0..20).map(|_| dev.query(Operation::ConnectionList, &empty))).await;
    let (ok, refused) = codes(&replies);
    assert!(
        (5..=7).contains(&ok),
        "{ok} of 20 passed a burst of 5 at 1/s: {:?}",
        refused.first()
    );
    for e in &refused {
        let ApiError::Refused { code, details, .. } = e else {
            panic!("no answer: {e}");
        };
        assert_eq!(*code, leasehold_api::ErrorCode::RateLimited, "{e}");
        let retry = details["retry_after_ms"].as_u64().expect("retry_after_ms");
        assert!((1..=1000).contains(&retry), "{details}");
    }

    // Commands have their own bucket, checked before the payload is even decoded.
    let unknown_field = json!({"x": 1});
    let replies =
        join_all((0..10).map(|_| dev.command(Operation::LeaseRenew, &unknown_field))).await;
    let limited = replies
        .iter()
        .filter(|r| matches!(r, Err(e) if e.code() == Some(leasehold_api::ErrorCode::RateLimited)))
        .count();
    let invalid = replies
        .iter()
        .filter(
            |r| matches!(r, Err(e) if e.code() == Some(leasehold_api::ErrorCode::InvalidRequest)),
        )
        .count();
    assert_eq!(limited + invalid, 10);
    assert!(
        (5..=7).contains(&invalid) && limited >= 3,
        "{invalid}/{limited}"
    );

    // Buckets are per actor: somebody else is served at once.
    app.client("ops")
        .query(Operation::ConnectionList, &json!({}))
        .await
        .expect("another actor is not slowed down");
    app.stop().await;
}

#[tokio::test]
async fn live_leases_per_actor_are_capped_even_when_requested_at_once() {
    let app = TestApp::spawn_custom(
        EmulatorConfig::default(),
        Components::ALL,
        Policy::allow_all(),
        |c| c.limits.max_live_leases_per_actor = 2,
    )
    .await;
    app.connect().await;
    app.secrets("ops", &["alice", "bob", "carol", "dave"], "1h", "2h")
        .await;
    let dev = app.client("dev");

    let requests: Vec<Value> = ["ops-alice", "ops-bob", "ops-carol"]
        .iter()
        .map(|s| json!({ "secret": s }))
        .collect();
    let replies = join_all(
        requests
            .iter()
            .map(|r| dev.command(Operation::LeaseCreate, r)),
    )
    .await;
    let (ok, refused) = codes(&replies);
    assert_eq!(ok, 2, "{replies:?}");
    let [ApiError::Refused { code, details, .. }] = refused.as_slice() else {
        panic!("one refusal expected: {refused:?}");
    };
    assert_eq!(*code, leasehold_api::ErrorCode::QuotaExceeded);
    assert_eq!(details["limit"], 2, "{details}");
    assert_eq!(details["live"], 2, "{details}");

    // The cap is per actor.
    app.client("ops")
        .command(Operation::LeaseCreate, &json!({ "secret": "ops-dave" }))
        .await
        .expect("another actor has its own quota");

    // Once one of dev's leases is revoked, dev may lease again.
    let first = replies.iter().flatten().next().expect("a granted lease");
    let lease_id = first["lease"]["lease_id"].as_str().expect("id");
    let secret = first["lease"]["secret"].as_str().expect("secret");
    dev.command(Operation::LeaseRevoke, &json!({ "lease_id": lease_id }))
        .await
        .expect("revoke");
    app.wait_lease(lease_id, WAIT, status_is("revoked")).await;
    let again = dev
        .command(Operation::LeaseCreate, &json!({ "secret": secret }))
        .await
        .expect("under the cap again");
    assert_eq!(again["status"], "active", "{again}");
    app.stop().await;
}
