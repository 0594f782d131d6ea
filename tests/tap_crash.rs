//! A Temporary Access Pass lease outlives nothing: with every leasehold process killed
//! (SIGKILL) before its expiry, the pass still stops at that expiry by the emulator's
//! clock — Entra ends it, not leasehold — and when leasehold comes back the lease is
//! recorded as expired and revoked, the pass found already gone, with no failure.

mod helpers;
mod tap_support;

use std::process::{Child, Stdio};
use std::time::Duration;

use entra_emulator::EmulatorConfig;
use helpers::{serve_command, start_emulator};
use leasehold::client::ApiClient;
use leasehold_api::Operation;
use leasehold_bus::Subjects;
use leasehold_crypto::MasterKey;
use leasehold_testkit::nats::DEFAULT_URL as NATS_URL;
use leasehold_testkit::Poll;
use serde_json::{json, Value};
use tap_support::{register_web_app, short_pass_policy, sign_in_page, tap_secret, PageSignIn};

/// Every leasehold component in one `leasehold serve` process; SIGKILLed on drop.
struct Serve(Child);

impl Serve {
    fn start(db_url: &str, prefix: &str, master: &str) -> Serve {
        let log = std::fs::File::create(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{prefix}-serve.log")),
        )
        .expect("log file");
        let child = serve_command(db_url, prefix, master)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start leasehold serve");
        Serve(child)
    }

    /// SIGKILL: no shutdown, no acks, no released claims.
    fn kill(mut self) {
        self.0.kill().expect("SIGKILL");
        self.0.wait().expect("reaped");
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `lease.get` as admin, once leasehold answers.
async fn lease_get(admin: &ApiClient, lease_id: &str) -> Option<Value> {
    admin
        .query(Operation::LeaseGet, &json!({ "lease_id": lease_id }))
        .await
        .ok()
        .map(|reply| reply.get("lease").cloned().unwrap_or(reply))
}

#[tokio::test]
async fn a_pass_stops_at_expiry_with_leasehold_killed_and_the_lease_is_recorded_expired() {
    leasehold::tls::install_ring_provider();
    let db = leasehold_store::testing::TestDb::new().await;
    let emulator = start_emulator(EmulatorConfig::default()).await;
    let entra = emulator.state();
    register_web_app(&entra);
    short_pass_policy(&entra);
    let prefix = leasehold_testkit::nats::unique_prefix();
    let master = MasterKey::generate().to_base64();
    let serve = Serve::start(&db.url, &prefix, &master);

    let subjects = Subjects::new(&prefix).expect("prefix");
    let admin = ApiClient::connect_as(NATS_URL, subjects, "admin")
        .await
        .expect("admin");
    let mut poll = Poll::new(Duration::from_secs(60), Duration::from_millis(100));
    while admin
        .command(
            Operation::ConnectionCreate,
            &leasehold::demo::emulator_connection("contoso", &emulator),
        )
        .await
        .is_err()
    {
        assert!(poll.again().await, "leasehold serve never answered");
    }
    tap_secret(&admin, "crash", "dave", false, ("1m", "1m")).await;
    let created = admin
        .command(Operation::LeaseCreate, &json!({ "secret": "crash-dave" }))
        .await
        .expect("lease.create");
    assert_eq!(created["status"], "active", "{created}");
    let lease_id = created["lease"]["lease_id"]
        .as_str()
        .expect("id")
        .to_string();
    let username = created["credential"]["username"].as_str().expect("user");
    let pass = created["credential"]["password"].as_str().expect("pass");
    let base = emulator.base_url();

    // Every leasehold process dies before the lease expires; the pass keeps working.
    serve.kill();
    assert_eq!(
        sign_in_page(base, username, pass).await,
        PageSignIn::Accepted
    );

    // Entra's clock passes the expiry: Entra itself ends the pass.
    entra.advance_clock(Duration::from_secs(61));
    assert!(
        matches!(sign_in_page(base, username, pass).await, PageSignIn::Refused(e) if e.starts_with("AADSTS50126")),
        "the pass stopped at its expiry with leasehold down"
    );

    // leasehold comes back: the deadline fires, the revocation finds the pass gone.
    let _serve = Serve::start(&db.url, &prefix, &master);
    let mut poll = Poll::new(Duration::from_secs(150), Duration::from_millis(200));
    let revoked = loop {
        if let Some(lease) = lease_get(&admin, &lease_id).await {
            if lease["status"] == "revoked" {
                break lease;
            }
        }
        assert!(poll.again().await, "the lease was never revoked");
    };
    assert_eq!(revoked["revocation_reason"], "expired", "{revoked}");
    assert_eq!(revoked["revocation_attempts"], 0, "{revoked}");
    assert_eq!(revoked["revocation_failing"], false, "{revoked}");

    let history: Vec<(String, Value)> = sqlx::query_as(
        "SELECT event_type, payload FROM events
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 ORDER BY sequence",
    )
    .bind(&lease_id)
    .fetch_all(&db.pool)
    .await
    .expect("history");
    let types: Vec<&str> = history.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "LeaseRequested",
            "LeaseActivated",
            "LeaseRevocationRequested",
            "LeaseRevoked"
        ],
        "no failure on the way"
    );
    let (_, revoked_event) = history.last().expect("revoked");
    assert_eq!(
        revoked_event["LeaseRevoked"]["credential_gone"], true,
        "{revoked_event}"
    );
    assert_eq!(
        entra.tap_expires_at(entra_emulator::DEMO_TENANT_ID, username),
        None,
        "the expired pass was cleaned up"
    );
}
