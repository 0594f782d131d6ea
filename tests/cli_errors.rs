//! What the CLI does when things go wrong: exit 2 for usage errors, 3 when leasehold
//! refuses, 4 when nothing can be reached, and messages that say what to do next.

mod cli_support;
mod helpers;

use std::time::{Duration, Instant};

use assert_cmd::assert::OutputAssertExt;
use cli_support::{connection_create, json, stderr, Cli};
use entra_emulator::EmulatorConfig;
use helpers::TestApp;
use leasehold::app::Components;
use leasehold_command::Policy;
use leasehold_testkit::policy::one_rule;
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

#[tokio::test]
async fn refusals_exit_3_and_say_what_to_do_next() {
    let app = TestApp::spawn().await;
    app.connect().await;
    app.secrets("ops", &["alice", "bob"], "1h", "2h").await;
    let dev = Cli::new(&app, "dev");
    let lease = json(&dev.run(&["--json", "lease", "create", "ops-alice"]).await);
    let id = lease["lease"]["lease_id"].as_str().expect("id").to_string();

    // A second lease on the same user: lease_conflict, naming the holder and the way out
    dev.run(&["lease", "create", "ops-alice", "--ttl", "30m"])
        .await
        .assert()
        .code(3)
        .stdout("")
        .stderr(contains(format!(
            "error [lease_conflict]: lease {id} holds ops-alice until "
        )))
        .stderr(contains("(in 1h)"))
        .stderr(contains(format!(
            "revoke it with `leasehold lease revoke {id}` or wait"
        )));

    // … and the same for scripts: one JSON line on stderr with the code and details
    let out = dev.run(&["--json", "lease", "create", "ops-alice"]).await;
    assert_eq!(out.status.code(), Some(3));
    let err: Value = serde_json::from_str(stderr(&out).trim()).expect("JSON error line");
    assert_eq!(err["error"]["code"], "lease_conflict");
    assert_eq!(err["error"]["details"]["lease_id"], Value::from(id.clone()));
    assert_eq!(err["error"]["exit_code"], 3);

    // A TTL over the max: ttl_exceeds_max, with the TTL to ask for instead
    dev.run(&["lease", "create", "ops-bob", "--ttl", "3h"])
        .await
        .assert()
        .code(3)
        .stderr(contains(
            "error [ttl_exceeds_max]: requested TTL 3h exceeds the max TTL 2h of secret ops-bob; \
             ask for `--ttl 2h` or less",
        ))
        .stderr(contains("leasehold secret update ops-bob --max-ttl"));

    // Unknown names: not_found, with the listing to check
    dev.run(&["lease", "create", "ops-nobody"])
        .await
        .assert()
        .code(3)
        .stderr(contains(
            "secret ops-nobody does not exist; list secrets with `leasehold secret list`",
        ));

    // Usage errors never reach the engine: exit 2
    dev.run(&["lease", "create", "ops-bob", "--ttl", "5x"])
        .await
        .assert()
        .code(2)
        .stderr(contains("invalid value '5x' for '--ttl <DURATION>'"));
    dev.run(&["lease", "revoke"]).await.assert().code(2);
    dev.run(&["secret", "update", "ops-bob"])
        .await
        .assert()
        .code(2);
    let anonymous = Cli {
        actor: None,
        ..dev.clone()
    };
    anonymous
        .run(&["lease", "list"])
        .await
        .assert()
        .code(2)
        .stderr(contains(
            "say who is asking with --actor NAME or LEASEHOLD_ACTOR=NAME",
        ));
    dev.as_actor("not an actor")
        .run(&["lease", "list"])
        .await
        .assert()
        .code(2)
        .stderr(contains("invalid actor"));

    // Revoking by secret revokes the live lease, and then the slot is free again
    dev.run(&["lease", "revoke", "--secret", "ops-alice"])
        .await
        .assert()
        .success()
        .stdout(contains(format!("lease {id} is revok")));
    app.stop().await;
}

#[tokio::test]
async fn forbidden_exits_3_and_points_to_the_policy() {
    let policy = one_rule(&["dev"], &["lease.*", "secret.get"], &["ops-*"]);
    let app = TestApp::spawn_with(EmulatorConfig::default(), Components::ALL, policy).await;
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    app.secrets("prod", &["bob"], "1h", "2h").await;
    let dev = Cli::new(&app, "dev");

    dev.run(&["lease", "create", "prod-bob"])
        .await
        .assert()
        .code(3)
        .stderr(contains(
            "error [forbidden]: actor dev may not run lease.create on prod-bob; ask an \
             administrator for a rule in the [policy] section",
        ));
    dev.run(&[
        "connection",
        "create",
        "x",
        "--tenant-id",
        "t",
        "--client-id",
        "c",
    ])
    .await
    .assert()
    .code(2)
    .stderr(contains("--client-secret-file"));

    // dev may lease ops-alice, but eve may not read dev's credential
    let lease = json(&dev.run(&["--json", "lease", "create", "ops-alice"]).await);
    let id = lease["lease"]["lease_id"].as_str().expect("id").to_string();
    dev.as_actor("eve")
        .run(&["lease", "get", &id, "--credentials"])
        .await
        .assert()
        .code(3)
        .stderr(contains("[forbidden]").and(contains("ask an administrator")));
    app.stop().await;
}

#[tokio::test]
async fn unreachable_nats_fails_fast_with_exit_4() {
    let cli = Cli {
        nats_url: "nats://127.0.0.1:1".into(),
        prefix: "leasehold".into(),
        actor: Some("dev".into()),
    };
    let started = Instant::now();
    cli.run(&["lease", "list"])
        .await
        .assert()
        .code(4)
        .stdout("")
        .stderr(contains("error: cannot reach NATS at nats://127.0.0.1:1"))
        .stderr(contains("start it (`docker compose up -d nats`"))
        .stderr(contains("or set LEASEHOLD_NATS_URL"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn no_engine_on_the_prefix_exits_4() {
    let cli = Cli {
        nats_url: leasehold::Config::default().nats_url,
        prefix: helpers::unique_prefix(),
        actor: Some("dev".into()),
    };
    cli.run(&["secret", "list"])
        .await
        .assert()
        .code(4)
        .stderr(contains("no leasehold engine answered on"))
        .stderr(contains(
            "start one with `leasehold serve`, or set LEASEHOLD_SUBJECT_PREFIX",
        ));
}

#[tokio::test]
async fn an_unreachable_sign_in_host_exits_4_naming_the_host() {
    let app = TestApp::spawn_custom(
        EmulatorConfig::default(),
        Components::ALL,
        Policy::allow_all(),
        |c| c.graph_retry_deadline_secs = 1,
    )
    .await;
    let admin = Cli::new(&app, "admin");
    // A login host nothing listens on: the credentials are never even looked at.
    let dead = "http://127.0.0.1:1";
    let out = admin
        .run_with_stdin(
            &connection_create("gov", entra_emulator::DEMO_CLIENT_ID, dead),
            entra_emulator::DEMO_CLIENT_SECRET,
        )
        .await;
    out.assert()
        .code(4)
        .stderr(contains(
            "error [unavailable]: cannot reach the sign-in host 127.0.0.1:1 to check the \
             credentials",
        ))
        .stderr(contains("credentials were refused").not());
    app.stop().await;
}
