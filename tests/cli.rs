//! The `leasehold` CLI end to end: a connection, secrets and a lease's whole life typed
//! as an operator would, with tables for people and `--json` for scripts.

mod cli_support;
mod helpers;

use std::time::Duration;

use cli_support::{connection_create, json, ok, secret_create, stderr, Cli};
use entra_emulator::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use helpers::{status_is, TestApp};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn an_operator_drives_a_lease_through_its_life() {
    let app = TestApp::spawn().await;
    let cli = Cli::new(&app, "admin");
    let base = app.emulator.base_url().to_string();

    // Given a connection registered with the client secret on standard input
    let created = cli
        .run_with_stdin(
            &connection_create("contoso", DEMO_CLIENT_ID, &base),
            DEMO_CLIENT_SECRET,
        )
        .await;
    let shown = ok(&created);
    assert!(shown.contains("name     contoso"), "{shown}");
    assert!(
        !shown.contains(DEMO_CLIENT_SECRET),
        "never echoes the client secret"
    );
    let listed = cli
        .until(&["connection", "list"], WAIT, |s| s.contains("contoso"))
        .await;
    assert!(listed.starts_with("NAME     TENANT"), "{listed}");

    // and the tenant's users listed, then two secrets created from them
    let users = ok(&cli
        .run(&["users", "list", "--connection", "contoso", "--search", "al"])
        .await);
    assert!(users.contains("alice@contoso.onmicrosoft.com"), "{users}");
    let secrets = ok(&cli
        .run(&secret_create(
            "ops",
            &[
                "--default-ttl",
                "30m",
                "--max-ttl",
                "2h",
                "--user",
                "alice@contoso.onmicrosoft.com,bob@contoso.onmicrosoft.com",
            ],
        ))
        .await);
    let lines: Vec<&str> = secrets.lines().collect();
    assert_eq!(
        lines[0],
        "NAME       USER                           KIND      DEFAULT TTL  MAX TTL"
    );
    assert_eq!(
        lines[1],
        "ops-alice  alice@contoso.onmicrosoft.com  password  30m          2h"
    );
    cli.until(&["secret", "list"], WAIT, |s| s.contains("ops-bob"))
        .await;

    // When a developer leases ops-alice for 20 minutes
    let dev = cli.as_actor("dev");
    let lease = json(
        &dev.run(&["--json", "lease", "create", "ops-alice", "--ttl", "20m"])
            .await,
    );
    assert_eq!(lease["status"], "active", "{lease}");
    let id = lease["lease"]["lease_id"].as_str().expect("id").to_string();
    let password = lease["credential"]["password"]
        .as_str()
        .expect("password")
        .to_string();

    // Then the table shows the lease with its expiry as a time and "in 20m"
    let table = dev
        .until(&["lease", "list", "--secret", "ops-alice"], WAIT, |s| {
            s.contains(&id)
        })
        .await;
    let header = table.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("LEASE") && header.contains("STATUS") && header.contains("EXPIRES"),
        "{table}"
    );
    let row = table.lines().find(|l| l.contains(&id)).expect("row");
    assert!(
        row.contains("active") && row.contains("(in 20m)") && row.contains("dev"),
        "{row}"
    );
    let listed = json(
        &dev.run(&["--json", "lease", "list", "--status", "active"])
            .await,
    );
    assert_eq!(listed["items"][0]["lease_id"], Value::from(id.clone()));
    assert!(listed["next"].is_null());

    // and its requester can read the credential again, as a table or JSON
    let again = ok(&dev.run(&["lease", "get", &id, "--credentials"]).await);
    assert!(
        again.contains(&format!("password      {password}")),
        "{again}"
    );
    assert!(
        again.contains("username      alice@contoso.onmicrosoft.com"),
        "{again}"
    );
    let again = json(
        &dev.run(&["--json", "lease", "get", &id, "--credentials"])
            .await,
    );
    assert_eq!(
        again["credential"]["password"],
        Value::from(password.clone())
    );
    assert_eq!(
        app.sign_in("alice@contoso.onmicrosoft.com", &password)
            .await,
        leasehold::signin::SignIn::Accepted
    );

    // When it is renewed, within and then beyond its max TTL
    let renewed = ok(&dev.run(&["lease", "renew", &id, "--ttl", "1h"]).await);
    assert!(
        renewed.contains("renewed lease") && renewed.contains("(in 1h)"),
        "{renewed}"
    );
    assert!(!renewed.contains("capped"), "{renewed}");
    let capped = ok(&dev.run(&["lease", "renew", &id, "--ttl", "3h"]).await);
    assert!(capped.contains("capped at its max TTL"), "{capped}");

    // and revoked
    let revoked = ok(&dev.run(&["lease", "revoke", &id]).await);
    assert!(
        revoked.contains(&format!("lease {id} is revok")),
        "{revoked}"
    );
    app.wait_lease(&id, WAIT, status_is("revoked")).await;

    // Then, once the secret's slot is released, revoking by secret finds nothing live
    cli.until(&["--json", "secret", "get", "ops-alice"], WAIT, |s| {
        serde_json::from_str::<Value>(s).is_ok_and(|v| v["live_lease_id"].is_null())
    })
    .await;
    let none = ok(&dev.run(&["lease", "revoke", "--secret", "ops-alice"]).await);
    assert!(none.contains("has no live lease"), "{none}");
    // and deleting a secret says so
    let deleted = cli.run(&["secret", "delete", "ops-bob"]).await;
    assert_eq!(
        ok(&deleted).trim(),
        "deleted secret ops-bob",
        "{}",
        stderr(&deleted)
    );
    app.stop().await;
}

#[tokio::test]
async fn pick_reads_a_selection_from_piped_input() {
    let app = TestApp::spawn().await;
    app.connect().await;
    let cli = Cli::new(&app, "admin");
    let upns = listed_upns(&cli).await;

    // When the operator types "2-3" at the numbered list
    let out = cli
        .run_with_stdin(&secret_create("pk", &["--pick"]), "2-3\n")
        .await;
    let created = ok(&out);

    // Then the list went to stderr and the second and third users got secrets
    let prompt = stderr(&out);
    assert!(prompt.contains(&format!("2  {}", upns[1])), "{prompt}");
    assert!(prompt.contains("pick users"), "{prompt}");
    for upn in &upns[1..3] {
        assert!(
            created.contains(upn.as_str()),
            "{upn} missing from:\n{created}"
        );
    }
    assert!(!created.contains(upns[0].as_str()), "{created}");
    assert_eq!(created.lines().count(), 3, "{created}");

    // and a selection outside the list is a usage error that says what to type
    let bad = cli
        .run_with_stdin(&secret_create("pk2", &["--pick"]), "99\n")
        .await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("such as 1,3,5-7"), "{}", stderr(&bad));
    app.stop().await;
}

#[tokio::test]
async fn pick_in_a_terminal_ticks_users_in_a_checkbox_list() {
    let app = TestApp::spawn().await;
    app.connect().await;
    let cli = Cli::new(&app, "admin");
    let upns = listed_upns(&cli).await;

    // When the operator ticks the first and the third user and confirms
    let mut term = cli.spawn_in_terminal(&secret_create("tty", &["--pick"]));
    term.wait_for("pick users").await;
    term.wait_for("[ ]").await;
    term.press(" ");
    term.press("\x1b[B");
    term.press("\x1b[B");
    term.press(" ");
    term.press("\r");
    let status = term.exit().await;

    // Then exactly those two got secrets
    assert!(status.success(), "{status}:\n{}", term.screen);
    let listed = cli.run(&["--json", "secret", "list"]).await;
    let names: Vec<String> = json(&listed)["items"]
        .as_array()
        .expect("secrets")
        .iter()
        .filter(|s| s["name"].as_str().is_some_and(|n| n.starts_with("tty-")))
        .filter_map(|s| s["user_principal_name"].as_str().map(String::from))
        .collect();
    let mut expected = vec![upns[0].clone(), upns[2].clone()];
    expected.sort();
    let mut names = names;
    names.sort();
    assert_eq!(names, expected, "{}", term.screen);
    app.stop().await;
}

/// The UPNs of `contoso`'s users in the order `--pick` lists them.
async fn listed_upns(cli: &Cli) -> Vec<String> {
    let mut upns: Vec<String> = json(
        &cli.run(&["--json", "users", "list", "--connection", "contoso"])
            .await,
    )["items"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["user_principal_name"].as_str().map(String::from))
        .collect();
    upns.sort_by_key(|u| u.to_lowercase());
    upns
}
