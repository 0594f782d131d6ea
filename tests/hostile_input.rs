//! Hostile input over real NATS: well over a thousand bad requests on every command and
//! query subject each get a structured error with a documented code, and the engine
//! keeps serving.

mod helpers;
mod hostile;

use std::time::Duration;

use entra_emulator::EmulatorConfig;
use futures::StreamExt;
use helpers::TestApp;
use leasehold::app::Components;
use leasehold_api::Operation;
use serde_json::json;

/// Requests on subjects that are not (quite) an operation.
fn odd_subjects(app: &TestApp) -> Vec<String> {
    let s = &app.engine.subjects;
    vec![
        s.command("fuzz", "lease.frobnicate"),
        s.command("fuzz", "lease.create.extra"),
        s.command("fuzz", "LEASE.CREATE"),
        s.command("fuzz", "lease"),
        s.command("fuzz", "lease.créer"),
        s.command("evt", "lease.create"),
        s.command("système", "lease.create"),
        s.query("fuzz", "lease.frobnicate"),
        s.query("fuzz", "users"),
        s.query("query", "lease.list"),
        s.query("ünï", "lease.list"),
        s.query(&"a".repeat(65), "lease.list"),
    ]
}

#[tokio::test]
async fn a_thousand_bad_requests_get_documented_errors_and_the_engine_keeps_serving() {
    let app = TestApp::spawn_custom(
        EmulatorConfig::default(),
        Components::ALL,
        hostile::fuzz_policy(),
        |c| c.limits.requests_per_second = 0,
    )
    .await;
    app.connect().await;
    app.secrets("ops", &["alice", "bob"], "1h", "2h").await;
    let base = app.emulator.base_url().to_string();
    let s = &app.engine.subjects;

    let mut requests: Vec<(String, Vec<u8>)> = Vec::new();
    for op in hostile::command_ops() {
        for body in hostile::bad_requests(op, &base) {
            requests.push((s.command("fuzz", op), body));
        }
    }
    for op in hostile::query_ops() {
        for body in hostile::bad_requests(op, &base) {
            requests.push((s.query("fuzz", op), body));
        }
    }
    for subject in odd_subjects(&app) {
        requests.push((subject, b"{}".to_vec()));
    }
    assert!(requests.len() >= 1_000, "only {} requests", requests.len());

    let nats = app.engine.nats.clone();
    let prefix = format!("{}.", app.engine.subjects.prefix());
    let replies: Vec<(String, Result<Option<String>, String>)> =
        futures::stream::iter(requests.into_iter().map(|(subject, body)| {
            let nats = nats.clone();
            // Replies go only to the inbox of the subject's actor token, however odd.
            let actor = subject
                .strip_prefix(&prefix)
                .and_then(|rest| rest.split('.').nth(1))
                .unwrap_or_default()
                .to_string();
            async move {
                let answer = leasehold_bus::request_as(
                    &nats,
                    &actor,
                    subject.clone(),
                    None,
                    body.into(),
                    Duration::from_secs(60),
                );
                let checked = match answer.await {
                    Ok(reply) => hostile::check_reply(&reply.payload),
                    Err(e) => Err(format!("no reply: {e}")),
                };
                (subject, checked)
            }
        }))
        .buffer_unordered(32)
        .collect()
        .await;

    let failures: Vec<_> = replies.iter().filter(|(_, r)| r.is_err()).collect();
    assert!(
        failures.is_empty(),
        "{} bad replies, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let errors = replies
        .iter()
        .filter(|(_, r)| matches!(r, Ok(Some(_))))
        .count();
    let mut by_code = std::collections::BTreeMap::<&str, usize>::new();
    for (_, reply) in &replies {
        let code = match reply {
            Ok(Some(code)) => code.as_str(),
            _ => "ok",
        };
        *by_code.entry(code).or_default() += 1;
    }
    eprintln!("{} replies by code: {by_code:?}", replies.len());
    assert!(errors >= 1_000, "only {errors} errors: {by_code:?}");

    // Still serving: a valid request works.
    let lease = app
        .client("fuzz")
        .command(
            Operation::LeaseCreate,
            &json!({ "secret": "ops-bob", "ttl": "10m" }),
        )
        .await
        .expect("a valid lease.create after the storm");
    assert_eq!(lease["status"], "active", "{lease}");
    app.stop().await;
}
