//! `leasehold lease …` as a user meets it: renewals that never shorten a lease by
//! surprise, revocations that wait for Entra, output made for scripts.

mod cli_support;
mod helpers;

use std::time::Duration;

use assert_cmd::assert::OutputAssertExt;
use cli_support::{json, ok, stderr, Cli};
use helpers::TestApp;
use leasehold::signin::SignIn;
use predicates::str::contains;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);

/// Seconds from now until the lease's `expires_at`.
fn secs_left(lease: &Value) -> i64 {
    let at = lease["expires_at"].as_str().expect("expires_at");
    let at = chrono::DateTime::parse_from_rfc3339(at).expect("rfc3339");
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds()
}

#[tokio::test]
async fn a_renewal_never_shortens_a_lease_unless_asked() {
    let app = TestApp::spawn().await;
    app.connect().await;
    // Given a secret whose default TTL (5m) is shorter than the lease taken (60m)
    app.secrets("ops", &["alice"], "5m", "2h").await;
    let dev = Cli::new(&app, "dev");
    let lease = json(
        &dev.run(&["--json", "lease", "create", "ops-alice", "--ttl", "60m"])
            .await,
    );
    let id = lease["lease"]["lease_id"].as_str().expect("id").to_string();

    // When it is renewed without a TTL, it keeps its 60 minutes and says so
    let kept = ok(&dev.run(&["lease", "renew", &id]).await);
    assert!(
        kept.contains(&format!("lease {id} not renewed: it already expires"))
            && kept.contains("(in 1h)")
            && kept.contains("--shorten"),
        "{kept}"
    );
    let now = json(&dev.run(&["--json", "lease", "get", &id]).await);
    assert!(secs_left(&now["lease"]) > 3500, "{now}");
    assert_eq!(now["lease"]["renewals"], 0, "{now}");

    // and a TTL shorter than what is left is refused, naming the way to mean it
    dev.run(&["lease", "renew", &id, "--ttl", "10m"])
        .await
        .assert()
        .code(3)
        .stderr(contains(format!(
            "error [invalid_ttl]: renewing lease {id} by 10m would shorten it"
        )))
        .stderr(contains("add --shorten"));
    let now = json(&dev.run(&["--json", "lease", "get", &id]).await);
    assert!(secs_left(&now["lease"]) > 3500, "{now}");

    // Then --shorten does what it says
    let short = ok(&dev
        .run(&["lease", "renew", &id, "--ttl", "10m", "--shorten"])
        .await);
    assert!(short.contains("(in 10m)"), "{short}");
    dev.until(&["--json", "lease", "get", &id], WAIT, |s| {
        serde_json::from_str::<Value>(s)
            .is_ok_and(|v| (500..=600).contains(&secs_left(&v["lease"])))
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn revoke_wait_returns_once_the_old_password_no_longer_signs_in() {
    let app = TestApp::spawn().await;
    app.connect().await;
    app.secrets("ops", &["alice"], "30m", "2h").await;
    let dev = Cli::new(&app, "dev");
    let lease = json(&dev.run(&["--json", "lease", "create", "ops-alice"]).await);
    let id = lease["lease"]["lease_id"].as_str().expect("id").to_string();
    let password = lease["credential"]["password"].as_str().expect("password");
    let upn = "alice@contoso.onmicrosoft.com";
    assert_eq!(app.sign_in(upn, password).await, SignIn::Accepted);

    // When the lease is revoked with --wait
    let out = dev.run(&["lease", "revoke", &id, "--wait"]).await;

    // Then it returns only once Entra confirmed, saying so, with a progress line
    let said = ok(&out);
    assert!(
        said.contains(&format!("lease {id} is revoked: Entra confirmed it"))
            && said.contains("the old password no longer works"),
        "{said}"
    );
    assert!(
        stderr(&out).contains(&format!(
            "waiting for Entra to confirm the revocation of lease {id}"
        )),
        "{}",
        stderr(&out)
    );
    // and at that moment the old password is already refused
    assert!(
        matches!(app.sign_in(upn, password).await, SignIn::Refused { .. }),
        "the old password still signs in after `lease revoke --wait` returned"
    );
    // and the JSON form carries the confirmed lease
    dev.until(&["--json", "secret", "get", "ops-alice"], WAIT, |s| {
        serde_json::from_str::<Value>(s).is_ok_and(|v| v["live_lease_id"].is_null())
    })
    .await;
    let lease = json(&dev.run(&["--json", "lease", "create", "ops-alice"]).await);
    let second = lease["lease"]["lease_id"].as_str().expect("id").to_string();
    let done = json(
        &dev.run(&["--json", "lease", "revoke", &second, "--wait"])
            .await,
    );
    assert_eq!(done["lease"]["status"], "revoked", "{done}");
    app.stop().await;
}

#[tokio::test]
async fn a_failed_activation_shows_its_cause_and_is_listed_at_once() {
    let app = TestApp::spawn().await;
    app.connect().await;
    // The demo application is a User Administrator: it may not reset the password of
    // the tenant's Global Administrator, so Graph answers 403.
    app.secrets("ops", &["admin"], "30m", "2h").await;
    let dev = Cli::new(&app, "dev");

    // When a lease on that user is requested
    let out = dev.run(&["lease", "create", "ops-admin"]).await;

    // Then the error shows Graph's reason, not "see its history"
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert!(
        said.contains("error [activation_failed]: lease ")
            && said.contains("could not be activated in Entra: ")
            && said.contains("(permission_denied)")
            && !said.contains("see its history"),
        "{said}"
    );
    let out = dev.run(&["--json", "lease", "create", "ops-admin"]).await;
    let err: Value = serde_json::from_str(stderr(&out).trim()).expect("JSON error");
    assert_eq!(
        err["error"]["details"]["cause"]["kind"], "permission_denied",
        "{err}"
    );

    // and the very next list shows the failed lease, with when it failed
    let listed = ok(&dev
        .run(&["lease", "list", "--status", "activation_failed"])
        .await);
    let row = listed
        .lines()
        .find(|l| l.contains("ops-admin"))
        .unwrap_or_else(|| panic!("the failed lease is not listed:\n{listed}"));
    assert!(row.contains("failed 20"), "{row}");
    app.stop().await;
}

#[tokio::test]
async fn output_made_for_scripts_and_people() {
    let app = TestApp::spawn().await;
    app.connect().await;
    app.secrets("ops", &["alice", "bob", "carol"], "30m", "2h")
        .await;
    let dev = Cli::new(&app, "dev");

    // --field prints one value and nothing else
    let password = ok(&dev
        .run(&["lease", "create", "ops-alice", "--field", "password"])
        .await);
    let password = password.trim_end_matches('\n');
    assert!(
        !password.is_empty() && !password.contains(' '),
        "{password:?}"
    );
    let upn = "alice@contoso.onmicrosoft.com";
    assert_eq!(app.sign_in(upn, password).await, SignIn::Accepted);
    let first = json(
        &dev.run(&["--json", "lease", "list", "--secret", "ops-alice"])
            .await,
    )["items"][0]["lease_id"]
        .as_str()
        .expect("id")
        .to_string();
    let again = ok(&dev
        .run(&["lease", "get", &first, "--field", "password"])
        .await);
    assert_eq!(again.trim_end_matches('\n'), password);
    dev.run(&["lease", "get", &first, "--field", "nonsense"])
        .await
        .assert()
        .code(2)
        .stderr(contains("no field \"nonsense\""));

    // a unique start of a lease id stands for the lease
    let short = &first[..13];
    let shown = ok(&dev.run(&["lease", "get", short]).await);
    assert!(shown.contains(&format!("lease         {first}")), "{shown}");
    dev.run(&["lease", "get", "0000000f"])
        .await
        .assert()
        .code(3)
        .stderr(contains(
            "no lease you may see has an id starting with 0000000f",
        ));

    // lists are newest first; --sort oldest turns them round
    let bob = json(&dev.run(&["--json", "lease", "create", "ops-bob"]).await);
    let bob = bob["lease"]["lease_id"].as_str().expect("id").to_string();
    let carol = json(&dev.run(&["--json", "lease", "create", "ops-carol"]).await);
    let carol = carol["lease"]["lease_id"].as_str().expect("id").to_string();
    let newest = ok(&dev.run(&["lease", "list"]).await);
    let order: Vec<&str> = newest
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        order,
        [carol.as_str(), bob.as_str(), first.as_str()],
        "{newest}"
    );
    let oldest = ok(&dev.run(&["lease", "list", "--sort", "oldest"]).await);
    assert!(
        oldest.lines().nth(1).is_some_and(|l| l.starts_with(&first)),
        "{oldest}"
    );

    // the next-page hint keeps the page size and filters
    let page = ok(&dev
        .run(&["lease", "list", "--limit", "1", "--requested-by", "dev"])
        .await);
    assert!(
        page.contains(&format!(
            "(more: `leasehold lease list --requested-by dev --limit 1 --after {carol}`)"
        )),
        "{page}"
    );

    // an ended lease shows when it ended, not an expiry that will never come
    ok(&dev.run(&["lease", "revoke", &bob, "--wait"]).await);
    let shown = ok(&dev.run(&["lease", "get", &bob]).await);
    assert!(
        shown.contains("ended ") && !shown.contains("expires"),
        "{shown}"
    );
    let listed = ok(&dev.run(&["lease", "list", "--status", "revoked"]).await);
    let row = listed.lines().find(|l| l.starts_with(&bob)).expect("row");
    assert!(row.contains("ended 20") && !row.contains("(in "), "{row}");

    // advice is given once
    let out = dev.run(&["lease", "renew", &bob]).await;
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert_eq!(said.matches("request a new lease").count(), 1, "{said}");
    app.stop().await;
}
