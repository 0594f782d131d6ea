//! Wire compatibility: a fixed script of requests, sent as raw NATS messages, and the
//! replies the engine gives, compared with the replies recorded from the release before
//! the typed contract (`tests/fixtures/wire_replies_before.json`). Volatile values (ids,
//! times, hashes, the emulator's address, passwords) are normalised; every other byte of
//! every reply must match, except the changes listed in `documented_changes` (each one is
//! in CHANGELOG.md).
//!
//! `LEASEHOLD_BLESS=1` re-records the fixture: only for a release that means to change
//! the wire format, never to make this test pass.

mod helpers;

mod wire_script;

use std::time::Duration;

use helpers::TestApp;
use serde_json::{json, Value};
use wire_script::{normalise, script, Tree};

const FIXTURE: &str = "tests/fixtures/wire_replies_before.json";

/// The wire changes made on purpose since the recording, each stated in CHANGELOG.md and
/// the docs: the recorded reply of `step` as the typed contract answers it. Nothing else
/// may differ.
fn documented_changes(step: &str, mut reply: Value) -> Value {
    // 1. TTLs are whole seconds everywhere: `lease.get`/`lease.list` said `"20m"`, and
    //    `secret.get`/`secret.list` said `"1h"` for `default_ttl`/`max_ttl`.
    ttl_seconds(&mut reply);
    let error = reply.get_mut("error").and_then(Value::as_object_mut);
    match (step, error) {
        // 2. `ttl_exceeds_max` details are keyed `requested` and `max`, as documented.
        ("lease.create.too_long", Some(e)) => {
            e["details"] = json!({
                "requested": e["details"]["requested_ttl"],
                "max": e["details"]["max_ttl"],
            });
        }
        // 3. `not_found` for a secret names its `kind` and `id`.
        ("lease.create.unknown_secret", Some(e)) => {
            e["details"] = json!({ "kind": "secret", "id": "wire-nobody" });
        }
        // 4. Resending the request id of an ended lease: `lease_not_active` with the
        //    documented `details.status` (the lease's status).
        ("lease.create.replay_ended", Some(e)) => {
            let status = e["details"]["lease"]["status"].clone();
            e["details"]["status"] = status;
        }
        // 5. A fractional TTL is `invalid_ttl`, not `invalid_request`.
        ("lease.create.fractional_ttl", Some(e)) => {
            *e = json!({
                "code": "invalid_ttl",
                "message": "invalid ttl: must be whole seconds (got \"1.5\")",
                "details": { "field": "ttl", "reason": "must be whole seconds" },
            })
            .as_object()
            .cloned()
            .unwrap_or_default();
        }
        // 6. A new query operation, `connection.check`, is among the valid ones.
        ("query.unknown_op", Some(e)) => {
            if let Some(ops) = e["details"]["valid_ops"].as_array_mut() {
                let at = ops
                    .iter()
                    .position(|o| o == "connection.list")
                    .map_or(0, |i| i + 1);
                ops.insert(at, json!("connection.check"));
            }
            let message = e["message"]
                .as_str()
                .unwrap_or_default()
                .replace("connection.list, ", "connection.list, connection.check, ");
            e["message"] = json!(message);
        }
        _ => {}
    }
    reply
}

/// Change 1: every object with a string `ttl` beside `ttl_secs` (and string
/// `default_ttl`/`max_ttl` beside `*_secs`) gets the seconds instead.
fn ttl_seconds(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for key in ["ttl", "default_ttl", "max_ttl"] {
                let secs = m.get(&format!("{key}_secs")).cloned();
                if let (Some(Value::String(_)), Some(secs)) = (m.get(key), secs) {
                    m.insert(key.to_string(), secs);
                }
            }
            m.values_mut().for_each(ttl_seconds);
        }
        Value::Array(a) => a.iter_mut().for_each(ttl_seconds),
        _ => {}
    }
}

#[tokio::test]
async fn replies_match_the_recorded_wire_format() {
    let app = TestApp::spawn().await;
    let mut lease_id = String::new();
    let mut got = serde_json::Map::new();
    for step in script() {
        let payload = step.payload(&app, &lease_id);
        if let Some(status) = step.wait_status {
            app.wait_lease(&lease_id, Duration::from_secs(30), |l| {
                l["status"] == status
            })
            .await;
        }
        let mut reply = send(&app, step.tree, step.op, &payload, step.request_id).await;
        let mut poll =
            leasehold_testkit::Poll::new(Duration::from_secs(30), Duration::from_millis(50));
        while step.settles && !settled(&reply) && poll.again().await {
            reply = send(&app, step.tree, step.op, &payload, step.request_id).await;
        }
        if step.name == "lease.create" {
            lease_id = reply["ok"]["lease"]["lease_id"]
                .as_str()
                .expect("lease.create gives a lease id")
                .to_string();
        }
        let base = app.emulator.base_url().to_string();
        got.insert(step.name.to_string(), normalise(reply, &base));
    }
    app.stop().await;

    if std::env::var_os("LEASEHOLD_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&Value::Object(got)).expect("json") + "\n";
        std::fs::write(FIXTURE, text).expect("write fixture");
        return;
    }
    let undocumented = check_against_errors_md(&got);
    assert!(
        undocumented.is_empty(),
        "error replies that docs/errors.md does not describe:\n{}",
        undocumented.join("\n")
    );
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).expect("fixture")).expect("json");
    let recorded = recorded.as_object().expect("object");
    assert_eq!(
        recorded.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "the script and the recording name the same steps"
    );
    let differing: Vec<String> = recorded
        .iter()
        .filter_map(|(name, before)| {
            let expected = documented_changes(name, before.clone());
            (got[name] != expected).then(|| {
                format!(
                    "step {name}:\n  expected {}\n  got      {}",
                    serde_json::to_string(&expected).unwrap_or_default(),
                    serde_json::to_string(&got[name]).unwrap_or_default()
                )
            })
        })
        .collect();
    assert!(
        differing.is_empty(),
        "{} step(s) differ from the recorded wire format:\n{}",
        differing.len(),
        differing.join("\n")
    );
}

/// Every error reply of the script against docs/errors.md's table: its code has a row,
/// and each key of its `details` is listed in that row's details column.
fn check_against_errors_md(replies: &serde_json::Map<String, Value>) -> Vec<String> {
    let table = errors_table(&std::fs::read_to_string("docs/errors.md").expect("errors.md"));
    assert!(table.len() >= 18, "errors.md lists every code: {table:?}");
    let mut problems = Vec::new();
    let mut seen = 0;
    for (step, reply) in replies {
        let Some(error) = reply.get("error") else {
            continue;
        };
        seen += 1;
        let code = error["code"].as_str().unwrap_or_default();
        let Some(documented) = table.get(code) else {
            problems.push(format!("step {step}: code {code:?} has no row"));
            continue;
        };
        for key in error["details"]
            .as_object()
            .into_iter()
            .flat_map(|d| d.keys())
        {
            if !documented.contains(key) {
                problems.push(format!(
                    "step {step}: {code} detail {key:?} is not in its row ({documented:?})"
                ));
            }
        }
    }
    assert!(seen >= 10, "the script produces error replies: {seen}");
    problems
}

/// The codes of errors.md's table and the detail fields of each (its `details` column).
fn errors_table(markdown: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut header: Option<Vec<String>> = None;
    let mut table = std::collections::BTreeMap::new();
    for line in markdown.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let Some(columns) = &header else {
            header = Some(cells.iter().map(|c| c.to_string()).collect());
            continue;
        };
        let column = |name: &str| {
            let i = columns
                .iter()
                .position(|c| c == name)
                .expect("errors.md column");
            cells.get(i).copied().unwrap_or_default()
        };
        let code = column("code").trim_matches('`');
        if code.is_empty() || code.starts_with('-') {
            continue;
        }
        let fields = column("details")
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        table.insert(code.to_string(), fields);
    }
    table
}

/// A successful reply, with items when it is a list.
fn settled(reply: &Value) -> bool {
    match reply.get("ok") {
        Some(ok) => ok
            .get("items")
            .is_none_or(|items| items.as_array().is_some_and(|a| !a.is_empty())),
        None => false,
    }
}

/// Sends one raw request as `admin`; the reply as JSON, whatever its shape.
async fn send(
    app: &TestApp,
    tree: Tree,
    op: &str,
    payload: &Value,
    request_id: Option<&str>,
) -> Value {
    let subjects = &app.engine.subjects;
    let subject = match tree {
        Tree::Command => subjects.command("admin", op),
        Tree::Query => subjects.query("admin", op),
    };
    let mut headers = async_nats::HeaderMap::new();
    if let Some(id) = request_id {
        headers.insert(leasehold_bus::HEADER_REQUEST_ID, id);
    }
    let body = serde_json::to_vec(payload).expect("json");
    let reply = leasehold_bus::request_as(
        &app.engine.nats,
        "admin",
        subject,
        Some(headers),
        body.into(),
        Duration::from_secs(30),
    )
    .await
    .expect("an answer");
    serde_json::from_slice(&reply.payload).expect("a JSON reply")
}
