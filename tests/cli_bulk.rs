//! `leasehold lease revoke --prefix|--connection|--requested-by`: an admin takes back many
//! leases in one command, counted, and audited as one request.

mod cli_support;
mod helpers;

use assert_cmd::assert::OutputAssertExt;
use cli_support::{json, ok, Cli};
use entra_emulator::EmulatorConfig;
use helpers::{status_is, TestApp};
use leasehold::app::Components;
use leasehold_testkit::policy::one_rule;
use predicates::str::contains;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn an_admin_revokes_by_prefix_requester_and_connection_in_one_command() {
    let policy = one_rule(&["dev"], &["lease.*", "secret.get"], &["*"]);
    let app = TestApp::spawn_with(EmulatorConfig::default(), Components::ALL, policy).await;
    app.connect().await;
    app.secrets("ops", &["alice", "bob"], "1h", "2h").await;
    app.secrets("prod", &["carol", "dave"], "1h", "2h").await;
    let dev = Cli::new(&app, "dev");
    let admin = Cli::new(&app, "admin");
    let lease = |v: serde_json::Value| v["lease"]["lease_id"].as_str().expect("id").to_string();
    let alice = lease(json(
        &dev.run(&["--json", "lease", "create", "ops-alice"]).await,
    ));
    let bob = lease(json(
        &dev.run(&["--json", "lease", "create", "ops-bob"]).await,
    ));
    let carol = lease(json(
        &admin
            .run(&["--json", "lease", "create", "prod-carol"])
            .await,
    ));
    let dave = lease(json(
        &dev.run(&["--json", "lease", "create", "prod-dave"]).await,
    ));

    // Only admins may revoke in bulk
    dev.run(&["lease", "revoke", "--prefix", "ops-"])
        .await
        .assert()
        .code(3)
        .stderr(contains("[forbidden]"));

    // When an admin revokes every lease of the ops- secrets
    let said = ok(&admin
        .run(&["lease", "revoke", "--prefix", "ops-", "--wait"])
        .await);

    // Then both are revoked, counted, as one command, and nothing else is touched
    assert!(
        said.contains("2 lease(s) (secrets starting with ops-) revoked")
            && said.contains(&alice)
            && said.contains(&bob)
            && said.contains("one command, request id bulk-"),
        "{said}"
    );
    for id in [&alice, &bob] {
        app.wait_lease(id, WAIT, status_is("revoked")).await;
    }
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT metadata ->> 'request_id' FROM events
          WHERE event_type = 'LeaseRevocationRequested' AND aggregate_id = ANY($1)",
    )
    .bind(vec![alice.clone(), bob.clone()])
    .fetch_all(&app.db.pool)
    .await
    .expect("request ids");
    assert_eq!(
        ids.len(),
        1,
        "one request id for the whole command: {ids:?}"
    );
    app.wait_lease(&carol, WAIT, status_is("active")).await;

    // By requester: only dev's remaining lease goes
    let reply = json(
        &admin
            .run(&["--json", "lease", "revoke", "--requested-by", "dev"])
            .await,
    );
    assert_eq!(reply["count"], 1, "{reply}");
    assert_eq!(reply["revoked"][0], dave.as_str(), "{reply}");

    // By connection: the last live lease, then nothing is left to match
    let reply = json(
        &admin
            .run(&["--json", "lease", "revoke", "--connection", "contoso"])
            .await,
    );
    assert_eq!(reply["count"], 1, "{reply}");
    assert_eq!(reply["revoked"][0], carol.as_str(), "{reply}");
    let none = ok(&admin
        .run(&["lease", "revoke", "--connection", "contoso", "--no-wait"])
        .await);
    assert!(none.contains("no live lease matches"), "{none}");
    app.stop().await;
}
