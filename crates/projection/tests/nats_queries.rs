//! The query service answers over real NATS request/reply.

mod helpers;

use std::time::Duration;

use helpers::query::service;
use helpers::{nats_url, unique_subjects, world};
use leasehold_api::{ErrorCode, Reply};
use leasehold_command::Policy;
use leasehold_projection::rebuild;
use serde_json::json;
use tokio::sync::oneshot;

#[tokio::test]
async fn queries_are_answered_over_nats() {
    let w = world().await;
    rebuild(&w.db.pool).await.expect("project");
    let subjects = unique_subjects();
    let client = leasehold_bus::connect(&nats_url(), "query-test")
        .await
        .expect("NATS");
    let service = service(&w, Policy::allow_all(), subjects.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(service.run(client.clone(), async {
        stopped.await.ok();
    }));

    let ask = |op: &str, body: serde_json::Value| {
        let client = client.clone();
        let subject = subjects.query("alice", op);
        async move {
            // The subscription may not be registered yet: retry until a deadline.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                let request = leasehold_bus::request_as(
                    &client,
                    "alice",
                    subject.clone(),
                    None,
                    body.to_string().into(),
                    Duration::from_secs(2),
                );
                match tokio::time::timeout(Duration::from_secs(2), request).await {
                    Ok(Ok(reply)) => {
                        return serde_json::from_slice::<Reply<serde_json::Value>>(&reply.payload)
                            .expect("reply")
                    }
                    _ if tokio::time::Instant::now() < deadline => continue,
                    other => panic!("no reply to {subject}: {other:?}"),
                }
            }
        }
    };
    match ask("secret.get", json!({"name": "ops-alice"})).await {
        Reply::Ok(secret) => assert_eq!(secret["default_ttl"], 3600),
        other => panic!("unexpected {other:?}"),
    }
    match ask("secret.get", json!({"nope": 1})).await {
        Reply::Error(e) => assert_eq!(e.code, ErrorCode::InvalidRequest),
        other => panic!("unexpected {other:?}"),
    }
    match ask("bogus.op", json!({})).await {
        Reply::Error(e) => assert_eq!(e.code, ErrorCode::InvalidRequest),
        other => panic!("unexpected {other:?}"),
    }

    stop.send(()).ok();
    server.await.expect("join").expect("service");
}
