//! `connection.check`: a connection is checked against Entra now (a fresh token and what
//! it grants) and shows the latest failed Graph call of its leases — over NATS and from
//! the CLI, whose exit code says whether the connection can do leasehold's work.

mod cli_support;
mod helpers;

use std::time::Duration;

use cli_support::{ok, stdout, Cli};
use entra_emulator::{FaultConfig, DEMO_CLIENT_ID};
use helpers::TestApp;
use leasehold::app::Components;
use leasehold_api::{ConnectionHealth, ErrorCode, Operation};
use leasehold_command::Policy;
use leasehold_testkit::Poll;
use serde_json::json;

const WEAK_APP: &str = "bbbbbbbb-0000-4000-8000-00000000000c";
const WEAK_SECRET: &str = "weak-app-secret-value";
const WRONG_SECRET: &str = "not-the-client-secret-at-all";

/// Registers `name` for `client_id` with `secret` without asking Entra first.
async fn connect_unverified(app: &TestApp, name: &str, client_id: &str, secret: &str) {
    let mut payload = leasehold::demo::emulator_connection(name, &app.emulator);
    payload["client_id"] = json!(client_id);
    payload["client_secret"] = json!(secret);
    payload["skip_verify"] = json!(true);
    app.admin
        .command(Operation::ConnectionCreate, &payload)
        .await
        .expect("connection.create --skip-verify");
}

async fn check(app: &TestApp, name: &str) -> ConnectionHealth {
    let reply = app
        .admin
        .query(Operation::ConnectionCheck, &json!({ "name": name }))
        .await
        .expect("connection.check");
    serde_json::from_value(reply).expect("a ConnectionHealth")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_names_a_refused_secret_missing_grants_and_the_last_graph_error() {
    let app = TestApp::spawn_with(
        helpers::with_weak_app(WEAK_APP, WEAK_SECRET),
        Components::ALL,
        Policy::allow_all(),
    )
    .await;
    app.connect().await;
    connect_unverified(&app, "weak", WEAK_APP, WEAK_SECRET).await;
    connect_unverified(&app, "stale", DEMO_CLIENT_ID, WRONG_SECRET).await;

    // The demo application can do everything.
    let good = check(&app, "contoso").await;
    assert!(good.healthy && good.token_ok, "{good:?}");
    assert!(good.missing.is_empty(), "{good:?}");
    assert_eq!(good.passes_allowed, Some(true));
    assert_eq!(good.last_graph_error, None);

    // An application that may only read users: every missing grant is named.
    let weak = check(&app, "weak").await;
    assert!(!weak.healthy && weak.token_ok, "{weak:?}");
    let missing = weak.missing.join("; ");
    for lacking in [
        "User-PasswordProfile.ReadWrite.All",
        "User.RevokeSessions.All",
        "directory role Global Administrator or",
    ] {
        assert!(missing.contains(lacking), "{missing}");
    }
    assert!(!missing.contains("User.Read.All ("), "{missing}");
    assert_eq!(weak.passes_allowed, Some(false));

    // A client secret Entra refuses: its AADSTS answer, and nothing else claimed.
    let stale = check(&app, "stale").await;
    assert!(!stale.healthy && !stale.token_ok, "{stale:?}");
    let refusal = stale.token_error.clone().expect("token_error");
    assert!(
        refusal.contains("AADSTS7000215: Invalid client secret"),
        "{refusal}"
    );
    assert!(!refusal.contains(WRONG_SECRET), "{refusal}");
    assert_eq!(stale.passes_allowed, None);

    // Graph fails every call: the lease's failed activation shows on its connection.
    app.secrets("ops", &["alice"], "1h", "2h").await;
    app.emulator.state().set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    let lease = app
        .admin
        .command(Operation::LeaseCreate, &json!({ "secret": "ops-alice" }))
        .await
        .expect("lease.create");
    let lease_id = lease["lease"]["lease_id"].as_str().expect("id").to_string();
    let mut poll = Poll::new(Duration::from_secs(30), Duration::from_millis(100));
    let failed = loop {
        let health = check(&app, "contoso").await;
        if let Some(failed) = health.last_graph_error {
            break failed;
        }
        assert!(poll.again().await, "no Graph error recorded for contoso");
    };
    app.emulator.state().set_faults(FaultConfig::default());
    assert_eq!(failed.lease_id, lease_id);
    assert_eq!(failed.secret, "ops-alice");
    assert!(
        failed.error.message.contains("503") || failed.error.message.contains("504"),
        "{failed:?}"
    );
    // The connection itself is still healthy: the error is history, not a verdict.
    assert!(check(&app, "contoso").await.healthy);

    // Unknown connections are `not_found`.
    let unknown = app
        .admin
        .query(Operation::ConnectionCheck, &json!({ "name": "nope" }))
        .await
        .expect_err("no such connection");
    assert_eq!(unknown.code(), Some(ErrorCode::NotFound));

    // The CLI: exit 0 for a working connection, 5 naming what is wrong otherwise.
    let admin = Cli::new(&app, "admin");
    let out = ok(&admin.run(&["connection", "check", "contoso"]).await);
    assert!(out.contains("healthy") && out.contains("yes"), "{out}");
    let out = admin.run(&["connection", "check", "stale"]).await;
    assert_eq!(out.status.code(), Some(5), "{}", stdout(&out));
    assert!(stdout(&out).contains("AADSTS7000215"), "{}", stdout(&out));
    app.stop().await;
}
