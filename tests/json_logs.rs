//! `leasehold serve` with `LEASEHOLD_LOG_FORMAT=json` and stderr on a pipe: every line is
//! one JSON object without colour codes, and one request id follows a lease through the
//! command service, the worker and the scheduler, while no secret reaches any line.

mod helpers;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entra_emulator::{EmulatorConfig, DEMO_CLIENT_SECRET};
use helpers::{serve_command, set_up_tenant, start_emulator, unique_prefix};
use leasehold::client::ApiClient;
use leasehold_api::Operation;
use leasehold_bus::Subjects;
use leasehold_crypto::MasterKey;
use leasehold_testkit::nats::DEFAULT_URL as NATS_URL;
use leasehold_testkit::Poll;
use serde_json::{json, Value};

/// The engine process; killed when the test ends, however it ends.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` with JSON logs; its stderr lines are collected as they come.
fn serve(db_url: &str, prefix: &str, master: &str) -> (Serve, Arc<Mutex<Vec<String>>>) {
    let mut child = serve_command(db_url, prefix, master)
        .env("LEASEHOLD_LOG_FORMAT", "json")
        .env("RUST_LOG", "info,leasehold_bus=debug")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start leasehold serve");
    let stderr = child.stderr.take().expect("stderr");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            sink.lock().expect("log lines").push(line);
        }
    });
    (Serve(child), lines)
}

fn parsed(lines: &Mutex<Vec<String>>) -> Vec<(String, Value)> {
    let lines = lines.lock().expect("log lines").clone();
    lines
        .into_iter()
        .map(|line| {
            let value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not one JSON object ({e}): {line}"));
            (line, value)
        })
        .collect()
}

/// A field of the innermost enclosing span that has it.
fn span_field<'a>(line: &'a Value, name: &str) -> Option<&'a str> {
    let spans = line["spans"].as_array()?;
    spans.iter().rev().find_map(|s| s[name].as_str())
}

fn lease_of(line: &Value) -> Option<&str> {
    span_field(line, "lease_id").or_else(|| line["fields"]["lease"].as_str())
}

fn target(line: &Value) -> &str {
    line["target"].as_str().unwrap_or("")
}

fn message(line: &Value) -> &str {
    line["fields"]["message"].as_str().unwrap_or("")
}

#[tokio::test]
async fn one_request_id_follows_a_lease_through_json_logs() {
    leasehold::tls::install_ring_provider();
    let db = leasehold_store::testing::TestDb::new().await;
    let emulator = start_emulator(EmulatorConfig::default()).await;
    let prefix = unique_prefix();
    let master = MasterKey::generate().to_base64();
    let (_serve, lines) = serve(&db.url, &prefix, &master);

    let mut poll = Poll::new(Duration::from_secs(60), Duration::from_millis(50));
    while !parsed(&lines)
        .iter()
        .any(|(_, l)| message(l) == "leasehold serving")
    {
        assert!(poll.again().await, "serve never came up: {:?}", lines);
    }
    let subjects = Subjects::new(&prefix).expect("prefix");
    let admin = ApiClient::connect_as(NATS_URL, subjects, "admin")
        .await
        .expect("admin");
    set_up_tenant(&admin, &emulator, "logs", &["alice"], Some(("1h", "2h"))).await;
    let request_id = format!("req-logs-{}", uuid::Uuid::new_v4().simple());
    let created = admin
        .command_with_id(
            Operation::LeaseCreate,
            &json!({ "secret": "logs-alice", "ttl": "2s" }),
            &request_id,
        )
        .await
        .expect("lease.create");
    let lease = created["lease"]["lease_id"]
        .as_str()
        .expect("id")
        .to_string();
    let password = created["credential"]["password"]
        .as_str()
        .expect("an active lease with its password")
        .to_string();

    // The lease expires by itself: the scheduler expires it, the worker revokes it.
    let mut poll = Poll::new(Duration::from_secs(90), Duration::from_millis(100));
    loop {
        let lines = parsed(&lines);
        let revoked = lines.iter().any(|(_, l)| {
            target(l).starts_with("leasehold_worker")
                && message(l) == "lease revoked"
                && lease_of(l) == Some(lease.as_str())
        });
        let expired = lines.iter().any(|(_, l)| {
            target(l).starts_with("leasehold_scheduler") && lease_of(l) == Some(lease.as_str())
        });
        if revoked && expired {
            break;
        }
        assert!(
            poll.again().await,
            "no worker revocation or scheduler expiry logged for {lease}: {lines:#?}"
        );
    }

    let lines = parsed(&lines);
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for (text, line) in &lines {
        assert!(!text.contains('\u{1b}'), "colour codes on a pipe: {text}");
        for secret in [password.as_str(), DEMO_CLIENT_SECRET, master.as_str()] {
            assert!(!text.contains(secret), "a secret in the log: {text}");
        }
        if lease_of(line) != Some(lease.as_str()) {
            continue;
        }
        let component = ["leasehold_worker", "leasehold_scheduler", "leasehold_bus"]
            .into_iter()
            .find(|c| target(line).starts_with(c));
        if let Some(component) = component {
            assert_eq!(
                span_field(line, "request_id"),
                Some(request_id.as_str()),
                "a {component} line for the lease without its request id: {text}"
            );
            *seen.entry(component).or_default() += 1;
        }
    }
    // Activation and revocation by the worker, expiry by the scheduler, the request itself.
    assert!(seen.get("leasehold_worker") >= Some(&2), "{seen:?}");
    assert!(seen.get("leasehold_scheduler") >= Some(&1), "{seen:?}");
    assert!(seen.get("leasehold_bus") >= Some(&1), "{seen:?}");
    let request = lines
        .iter()
        .find(|(_, l)| {
            span_field(l, "request_id") == Some(request_id.as_str())
                && target(l).starts_with("leasehold_bus")
        })
        .expect("the request's own line");
    assert_eq!(span_field(&request.1, "actor"), Some("admin"));
    assert_eq!(span_field(&request.1, "operation"), Some("lease.create"));
    emulator.shutdown().await;
}
