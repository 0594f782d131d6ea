//! `leasehold audit …` over the `audit.*` queries: a lease's history, who held a user's
//! password at a moment, the export as JSON lines (paged), and verify.

mod cli_support;
mod helpers;

use std::time::Duration;

use assert_cmd::assert::OutputAssertExt;
use chrono::{SecondsFormat, Utc};
use cli_support::{json, ok, Cli};
use helpers::{status_is, TestApp};
use predicates::str::contains;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);
const ALICE: &str = "alice@contoso.onmicrosoft.com";

fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[tokio::test]
async fn audit_replays_who_held_what_and_when() {
    let app = TestApp::spawn().await;
    let start = Utc::now() - chrono::Duration::seconds(1);
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    let dev = Cli::new(&app, "dev");
    let lease = json(&dev.run(&["--json", "lease", "create", "ops-alice"]).await);
    let id = lease["lease"]["lease_id"].as_str().expect("id").to_string();
    let while_held = Utc::now();
    ok(&dev.run(&["lease", "revoke", &id]).await);
    app.wait_lease(&id, WAIT, status_is("revoked")).await;

    // The lease's history, as a table and as JSON
    let table = ok(&dev.run(&["audit", "history", &id]).await);
    assert!(table.starts_with("SEQ  RECORDED"), "{table}");
    for event in [
        "LeaseRequested",
        "LeaseActivated",
        "LeaseRevocationRequested",
        "LeaseRevoked",
    ] {
        assert!(table.contains(event), "{event} missing from:\n{table}");
    }
    let history = json(&dev.run(&["--json", "audit", "history", &id]).await);
    assert_eq!(history["items"][0]["event_type"], "LeaseRequested");
    assert_eq!(history["items"][0]["actor"], "dev");
    let secret = ok(&dev.run(&["audit", "history", "ops-alice"]).await);
    assert!(secret.contains("SecretCreated"), "{secret}");

    // Who held alice's password while the lease was live, and before anything happened
    let held = ok(&dev
        .run(&[
            "audit",
            "at",
            "--user",
            ALICE,
            "--time",
            &rfc3339(while_held),
        ])
        .await);
    assert!(
        held.contains(&format!(
            "lease {id} (secret ops-alice) held a working password"
        )),
        "{held}"
    );
    assert!(held.contains("requested by dev"), "{held}");
    let before = ok(&dev
        .run(&["audit", "at", "--user", ALICE, "--time", "2000-01-01"])
        .await);
    assert!(
        before.starts_with("nobody held a working password"),
        "{before}"
    );

    // The export: one JSON object per line, every event, across pages of two
    let to = rfc3339(Utc::now() + chrono::Duration::minutes(1));
    let exported = ok(&dev
        .run(&[
            "audit",
            "export",
            "--from",
            &rfc3339(start),
            "--to",
            &to,
            "--page-size",
            "2",
        ])
        .await);
    let events: Vec<Value> = exported
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(events.len() as i64, stored, "{exported}");
    assert!(events.iter().any(|e| e["event_type"] == "LeaseRevoked"));

    // verify finds nothing wrong
    let verified = ok(&dev.run(&["audit", "verify"]).await);
    assert!(verified.contains("no problems found"), "{verified}");

    // an unknown lease is refused; a bad time is a usage error
    let unknown = uuid::Uuid::now_v7().to_string();
    dev.run(&["audit", "history", &unknown])
        .await
        .assert()
        .code(3)
        .stderr(contains("does not exist"));
    dev.run(&["audit", "at", "--user", ALICE, "--time", "yesterday"])
        .await
        .assert()
        .code(2)
        .stderr(contains("is not a time"));
    app.stop().await;
}
