//! No secret leaves: during a full lifecycle with known secrets, everything logged at
//! every level and everything published on NATS is captured, and no secret appears in
//! it (raw, JSON-escaped, base64 or hex) except the one credential reply to the
//! requester's inbox. Also: `Debug` of every type holding a secret prints a redaction.
//!
//! Its own test binary, because the global tracing subscriber can be set once a process.

mod helpers;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use entra_emulator::{DEMO_CLIENT_ID, DEMO_TENANT_ID};
use futures::StreamExt;
use helpers::{accepting_secrets, status_is, TestApp};
use leasehold::app::Components;
use leasehold_api::Operation;
use leasehold_command::Policy;
use secrecy::SecretString;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

/// Every NATS message seen: subject and payload.
type Traffic = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// Log lines, shared with the subscriber.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        inner.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        let inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&inner).into_owned()
    }
}

/// The forms a secret could take in text: raw, JSON- and Debug-escaped, hex, and base64
/// (standard and URL-safe, at each of the three byte alignments inside a longer blob).
fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    let json = serde_json::to_string(secret).unwrap_or_default();
    out.push(json.trim_matches('"').to_string());
    out.push(format!("{secret:?}").trim_matches('"').to_string());
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    out.push(hex.clone());
    out.push(hex.to_uppercase());
    for engine in [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
    ] {
        for shift in 0..3 {
            let mut bytes = vec![0u8; shift];
            bytes.extend_from_slice(secret.as_bytes());
            let encoded = engine.encode(&bytes);
            // The first and last 4 characters may mix in neighbouring bytes.
            out.push(encoded[4..encoded.len() - 4].to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

fn contains_any(haystack: &[u8], needles: &[String]) -> Option<String> {
    needles
        .iter()
        .find(|n| haystack.windows(n.len()).any(|w| w == n.as_bytes()))
        .cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_appears_in_logs_or_nats_traffic() {
    let logs = Buffer::default();
    let sink = logs.clone();
    // Everything at TRACE, with the cap every leasehold process applies (see
    // `leasehold::logging`: async-nats would log raw payloads at TRACE).
    leasehold::logging::init_with(
        tracing_subscriber::EnvFilter::new("trace"),
        move || sink.clone(),
        leasehold::logging::LogFormat::Text,
        false,
    );

    let tag = uuid::Uuid::new_v4().simple().to_string();
    let first_secret = format!("LHCAPTURE-first-{tag}");
    let second_secret = format!("LHCAPTURE-second-{tag}");
    let wrong_secret = format!("LHCAPTURE-wrong-{tag}");

    // Everything on NATS, from before the engine starts.
    let tap = async_nats::connect("127.0.0.1:4222").await.expect("tap");
    let mut all = tap.subscribe(">").await.expect("sub >");
    tap.flush().await.expect("flush");
    let captured: Traffic = Arc::default();
    let (marker_tx, mut marker_rx) = tokio::sync::mpsc::unbounded_channel();
    let sink = captured.clone();
    let marker = format!("capture-marker-{tag}");
    let marker_subject = marker.clone();
    tokio::spawn(async move {
        while let Some(m) = all.next().await {
            if m.subject.as_str() == marker_subject {
                let _ = marker_tx.send(());
            }
            let mut log = sink.lock().unwrap_or_else(|p| p.into_inner());
            log.push((m.subject.to_string(), m.payload.to_vec()));
        }
    });

    let emulator = accepting_secrets(&[&first_secret, &second_secret]);
    let app = TestApp::spawn_with(emulator, Components::ALL, Policy::allow_all()).await;
    let base = app.emulator.base_url().to_string();
    let create = |secret: &str, name: &str| {
        json!({
            "name": name, "tenant_id": DEMO_TENANT_ID, "client_id": DEMO_CLIENT_ID,
            "client_secret": secret,
            "cloud": { "kind": "custom", "login_url": base, "graph_url": base },
        })
    };
    let refused = app
        .admin
        .command(Operation::ConnectionCreate, &create(&wrong_secret, "wrong"))
        .await
        .expect_err("a wrong secret is refused");
    assert_eq!(
        refused.code(),
        Some(leasehold_api::ErrorCode::GraphError),
        "{refused}"
    );
    app.admin
        .command(
            Operation::ConnectionCreate,
            &create(&first_secret, "contoso"),
        )
        .await
        .expect("connection.create");
    app.admin
        .query(Operation::UsersList, &json!({ "connection": "contoso" }))
        .await
        .expect("users.list");
    app.secrets("ops", &["alice"], "1h", "2h").await;
    let lease = app
        .client("dev")
        .command(
            Operation::LeaseCreate,
            &json!({ "secret": "ops-alice", "ttl": "30m" }),
        )
        .await
        .expect("lease.create");
    assert_eq!(lease["status"], "active", "{lease}");
    let password = lease["credential"]["password"]
        .as_str()
        .expect("pw")
        .to_string();
    let lease_id = lease["lease"]["lease_id"].as_str().expect("id").to_string();
    app.client("dev")
        .command(
            Operation::LeaseRenew,
            &json!({ "lease_id": lease_id, "ttl": "1h" }),
        )
        .await
        .expect("renew");
    app.admin
        .command(
            Operation::ConnectionRotate,
            &json!({ "name": "contoso", "client_secret": second_secret }),
        )
        .await
        .expect("rotate");
    app.client("dev")
        .command(Operation::LeaseRevoke, &json!({ "lease_id": lease_id }))
        .await
        .expect("revoke");
    app.wait_lease(&lease_id, WAIT, status_is("revoked")).await;

    // Everything the engine published so far is ahead of this marker on its connection.
    app.engine
        .nats
        .publish(marker.clone(), "marker".into())
        .await
        .expect("marker");
    app.engine.nats.flush().await.expect("flush");
    tokio::time::timeout(WAIT, marker_rx.recv())
        .await
        .expect("the tap saw the marker");
    let app_subjects = app.engine.subjects.clone();
    app.stop().await;

    let traffic = captured.lock().unwrap_or_else(|p| p.into_inner()).clone();
    assert!(traffic.len() > 20, "the tap saw the lifecycle");
    // A client secret travels once: in the operator's own request to the engine.
    let inbound = |subject: &str| {
        subject == app_subjects.command("admin", "connection.create")
            || subject == app_subjects.command("admin", "connection.rotate")
    };
    for secret in [&first_secret, &second_secret, &wrong_secret] {
        let needles = forms(secret);
        let carriers: Vec<&String> = traffic
            .iter()
            .filter(|(_, payload)| contains_any(payload, &needles).is_some())
            .map(|(subject, _)| subject)
            .collect();
        assert_eq!(carriers.len(), 1, "client secret travelled on {carriers:?}");
        assert!(inbound(carriers[0]), "client secret on {}", carriers[0]);
    }
    let needles = forms(&password);
    let carriers: Vec<&(String, Vec<u8>)> = traffic
        .iter()
        .filter(|(_, payload)| contains_any(payload, &needles).is_some())
        .collect();
    assert_eq!(carriers.len(), 1, "the password travelled more than once");
    let (subject, payload) = carriers[0];
    assert!(
        subject.starts_with("_INBOX_dev."),
        "only to the requester's own inbox: {subject}"
    );
    let reply: Value = serde_json::from_slice(payload).expect("json");
    assert_eq!(reply["ok"]["lease"]["lease_id"], lease_id.as_str());

    let text = logs.text();
    assert!(
        text.contains("TRACE") || text.contains("DEBUG"),
        "the capture works"
    );
    for secret in [&first_secret, &second_secret, &wrong_secret, &password] {
        if let Some(form) = contains_any(text.as_bytes(), &forms(secret)) {
            let line = text.lines().find(|l| l.contains(&form)).unwrap_or_default();
            panic!("a secret was logged: {line:.400}");
        }
    }
}

#[test]
fn debug_of_every_secret_holder_is_redacted() {
    let secret = "debug-secret-VALUE-1234567890";
    let creds = leasehold_graph::Credentials::new(
        "tenant",
        "client",
        SecretString::from(secret.to_string()),
        leasehold_graph::CloudEndpoints::global(),
    );
    let master = leasehold_crypto::MasterKey::from_bytes([42u8; 32]);
    let data_key = leasehold_crypto::DataKey::generate("lease:test");
    let sealed = leasehold_crypto::seal(&data_key, "ctx", &SecretString::from(secret.to_string()));
    let wrapped = data_key.wrap(&master);
    let mut config = leasehold::Config {
        database_url: format!("postgres://u:{secret}@h/db"),
        nats_url: format!("nats://leasehold:{secret}@h:4222"),
        ..Default::default()
    };
    config.policy.admins = vec!["admin".into()];
    let shown = [
        format!("{creds:?}"),
        format!("{master:?}"),
        format!("{data_key:?}"),
        format!("{sealed:?}"),
        format!("{wrapped:?}"),
        format!("{config:?}"),
        format!("{:?}", SecretString::from(secret.to_string())),
    ];
    let hidden = [
        secret.to_string(),
        master.to_base64(),
        sealed.ciphertext.clone(),
        sealed.nonce.clone(),
    ];
    for text in &shown {
        for h in &hidden {
            assert!(!text.contains(h.as_str()), "{text} shows {h}");
        }
    }
    assert!(
        shown[5].contains("admin"),
        "the policy itself is shown: {}",
        shown[5]
    );
}
