//! The CLI under real NATS identities (`deploy/nats/leasehold.conf`): it logs in with the
//! credentials of LEASEHOLD_NATS_URL and reads replies on the actor's own inbox, so it
//! works where each user may only subscribe to `_INBOX_<user>.>`.

mod cli_support;
mod helpers;
mod nats_server;

use assert_cmd::assert::OutputAssertExt;
use cli_support::{connection_create, json, ok, secret_create, Cli};
use entra_emulator::{EmulatorConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use helpers::TestApp;
use leasehold::app::Components;
use leasehold_testkit::policy::one_rule;
use nats_server::NatsServer;
use predicates::prelude::*;
use predicates::str::contains;
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_cli_speaks_as_its_nats_user() {
    let server = NatsServer::start().await;
    let policy = one_rule(&["alice"], &["lease.*"], &["ops-*"]);
    let app =
        TestApp::spawn_secured(&server, EmulatorConfig::default(), Components::ALL, policy).await;
    let admin = Cli::new(&app, "admin");
    let base = app.emulator.base_url().to_string();
    let connection = connection_create("contoso", DEMO_CLIENT_ID, &base);
    ok(&admin.run_with_stdin(&connection, DEMO_CLIENT_SECRET).await);
    ok(&admin
        .run(&secret_create(
            "ops",
            &["--user", "alice@contoso.onmicrosoft.com"],
        ))
        .await);

    let alice = Cli::new(&app, "alice");
    let lease = json(
        &alice
            .run(&["--json", "lease", "create", "ops-alice", "--ttl", "10m"])
            .await,
    );
    assert_eq!(lease["status"], "active", "{lease}");

    // Speaking as someone else is stopped by NATS itself: no engine ever hears it, and
    // the CLI says so at once instead of waiting for its timeout.
    let as_bob = Cli {
        actor: Some("bob".into()),
        ..alice.clone()
    };
    let started = Instant::now();
    as_bob
        .run(&["lease", "list"])
        .await
        .assert()
        .code(4)
        .stderr(contains("NATS refused the request: Permissions Violation"))
        .stderr(contains("Your NATS user may not speak as \"bob\""))
        .stderr(contains("no leasehold engine answered").not());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );

    // A wrong password is named as such, not as a server to start.
    let wrong = Cli {
        nats_url: server.url("alice").replace("alice-", "wrong-"),
        ..alice.clone()
    };
    let started = Instant::now();
    wrong
        .run(&["lease", "list"])
        .await
        .assert()
        .code(4)
        .stderr(contains("refused the login"))
        .stderr(contains("LEASEHOLD_NATS_PASSWORD"))
        .stderr(contains("docker compose up").not());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    app.stop().await;
    server.stop();
}
