//! The HTTP API's streams: the audit export as NDJSON (the same events as the NATS
//! API's pages), the audit anchor and a verify against it, and the server-sent events
//! of lease changes, which show a caller only the leases the policy lets it see.

mod helpers;
mod http_support;

use std::time::Duration;

use helpers::contract::typed;
use http_support::{ci_token, spawn, token, OPS_APP, OPS_SECRET};
use leasehold_api::{Anchor, ExportPage, ExportedEvent, Operation, VerifyReport};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_export_streams_every_event_as_ndjson_and_verify_checks_an_anchor() {
    let (app, api) = spawn(60).await;
    app.connect().await;
    app.secrets("app", &["alice", "carol"], "1h", "2h").await;
    let admin = token(&app, OPS_APP, OPS_SECRET).await;
    let from = "2000-01-01T00:00:00Z";
    let to = "2100-01-01T00:00:00Z";

    // What the NATS API pages out, page by page.
    let mut expected = Vec::new();
    let mut after: Option<i64> = None;
    loop {
        let mut request = json!({ "from": from, "to": to, "limit": 1000 });
        if let Some(after) = after {
            request["after"] = json!(after);
        }
        let page = app
            .admin
            .query(Operation::AuditExport, &request)
            .await
            .expect("audit.export");
        let page: ExportPage = typed("audit.export", &page);
        let more = !page.items.is_empty();
        expected.extend(page.items);
        match page.next {
            Some(next) if more => after = Some(next),
            _ => break,
        }
    }
    assert!(expected.len() > 2, "a few events to export: {expected:?}");

    // Over HTTP in pages of 2: the same events, one JSON document per line.
    let response = app
        .http
        .get(format!("{api}/v1/audit/export?from={from}&to={to}&limit=2"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("export");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.expect("body");
    let lines: Vec<ExportedEvent> = text
        .lines()
        .map(|l| typed("an exported line", &serde_json::from_str(l).expect("JSON")))
        .collect();
    assert_eq!(lines, expected);

    // Refusals come before the stream starts, as problem documents.
    let ci = ci_token(&app).await;
    let refused = app
        .http
        .get(format!("{api}/v1/audit/export?from={from}&to={to}"))
        .bearer_auth(&ci)
        .send()
        .await
        .expect("export as ci");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let bad_range = app
        .http
        .get(format!("{api}/v1/audit/export?from=yesterday&to={to}"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("bad range");
    assert_eq!(bad_range.status(), StatusCode::BAD_REQUEST);

    // Anchor, then verify against it: the log still runs through that head.
    let anchor: Anchor = app
        .http
        .get(format!("{api}/v1/audit/anchor"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("anchor")
        .json::<Value>()
        .await
        .map(|anchor| typed("GET /v1/audit/anchor", &anchor))
        .expect("anchor json");
    let (position, hash) = (anchor.position, anchor.running_hash.clone());
    assert!(position as usize >= expected.len());
    let verify = |position: i64, hash: String| {
        let request = app
            .http
            .get(format!(
                "{api}/v1/audit/verify?position={position}&running_hash={hash}"
            ))
            .bearer_auth(&admin);
        async move {
            let response = request.send().await.expect("verify");
            assert_eq!(response.status(), StatusCode::OK);
            let report = response.json::<Value>().await.expect("report");
            typed::<VerifyReport>("GET /v1/audit/verify", &report)
        }
    };
    let report = verify(position, hash.clone()).await;
    assert!(report.ok, "{report:?}");
    assert_eq!(report.against, Some(anchor.head()));
    let forged = format!(
        "{}{}",
        if hash.starts_with('0') { "1" } else { "0" },
        &hash[1..]
    );
    let report = verify(position, forged).await;
    assert!(
        !report.ok,
        "a head the log does not run through: {report:?}"
    );
    let half = app
        .http
        .get(format!("{api}/v1/audit/verify?running_hash={hash}"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("half an anchor");
    assert_eq!(half.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

/// Reads server-sent events from `stream` until `want` holds for one (returning it)
/// or 20 s pass; returns every `(event, id)` seen before it.
async fn until_event(
    stream: &mut reqwest::Response,
    buffer: &mut String,
    want: impl Fn(&str, &str) -> bool,
) -> (Vec<(String, String)>, Value) {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}:")))
                    .map(|v| v.trim_start().to_string())
                    .unwrap_or_default()
            };
            let (event, id, data) = (field("event"), field("id"), field("data"));
            if event.is_empty() {
                continue; // a keep-alive comment
            }
            if want(&event, &id) {
                return (seen, serde_json::from_str(&data).expect("data is JSON"));
            }
            seen.push((event, id));
        }
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("no such event within 20 s; saw {seen:?}"))
            .expect("a chunk")
            .expect("the stream stays open");
        buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_shows_only_the_leases_the_caller_may_see() {
    let (app, api) = spawn(60).await;
    app.connect().await;
    app.secrets("app", &["alice"], "1h", "2h").await;
    app.secrets("ops", &["bob"], "1h", "2h").await;
    let ci = ci_token(&app).await;
    let response = app
        .http
        .get(format!("{api}/v1/events"))
        .bearer_auth(&ci)
        .send()
        .await
        .expect("events");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = response;
    let mut buffer = String::new();
    until_event(&mut stream, &mut buffer, |event, _| event == "ready").await;

    // First a lease the CI application may not see, then one of its own.
    let hidden = app
        .admin
        .command(Operation::LeaseCreate, &json!({ "secret": "ops-bob" }))
        .await
        .expect("admin lease");
    let hidden_id = hidden["lease"]["lease_id"]
        .as_str()
        .expect("id")
        .to_string();
    let own: Value = app
        .http
        .post(format!("{api}/v1/leases"))
        .bearer_auth(&ci)
        .json(&json!({ "secret": "app-alice", "ttl": "30m" }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let own_id = own["lease"]["lease_id"].as_str().expect("id").to_string();

    // The first lease event is the CI application's own lease, with no credential:
    // the admin's lease, changed before it, never showed.
    let (before, view) = until_event(&mut stream, &mut buffer, |event, _| event == "lease").await;
    assert!(before.is_empty(), "{before:?}");
    assert_eq!(view["lease"]["lease_id"], own_id.as_str(), "{view}");
    assert!(view.get("credential").is_none());
    let _ = hidden_id;
    app.stop().await;
}
