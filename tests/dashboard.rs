//! The dashboard in a real browser (headless Chromium): the whole flow of the seed —
//! sign in through the emulator, add a connection, create secrets for three users,
//! generate a lease, prove its password, renew, revoke and watch it turn revoked without
//! reloading, look up who held the user's password — and a person without rights, and
//! hostile names rendered as text under the Content-Security-Policy.

mod browser_support;
mod helpers;
mod http_support;

use std::time::Duration;

use browser_support::Chrome;
use entra_emulator::{
    UserSeed, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_DOMAIN, DEMO_TENANT_ID, DEMO_USER_PASSWORD,
};
use http_support::{spawn_with_sign_in, ADMIN_PERSON, PERSON};
use leasehold::signin::SignIn;
use serde_json::json;

/// Signs `username` in from the dashboard's front door.
async fn sign_in(chrome: &Chrome, api: &str, username: &str) {
    chrome.goto(&format!("{api}/")).await;
    chrome.find("input[name=username]").await;
    assert!(
        chrome.url().await.contains("/oauth2/v2.0/authorize"),
        "{}",
        chrome.url().await
    );
    chrome.screenshot("sign-in").await;
    chrome.fill("input[name=username]", username).await;
    chrome
        .fill("input[name=password]", DEMO_USER_PASSWORD)
        .await;
    chrome.click("button[type=submit]").await;
    chrome.find("#whoami").await;
    assert_eq!(chrome.text("#whoami").await, username);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_runs_the_whole_flow_in_the_dashboard() {
    let (app, api) = spawn_with_sign_in().await;
    let chrome = Chrome::start(1280).await;
    sign_in(&chrome, &api, ADMIN_PERSON).await;
    assert_eq!(chrome.text("h1").await, "Overview");
    assert_eq!(
        chrome.eval("return document.body.dataset.enhanced").await,
        json!("true")
    );
    chrome.screenshot("overview-empty").await;

    // Add a connection (the emulator as a custom cloud).
    chrome.click("a[href='/connections/new']").await;
    chrome.fill("input[name=name]", "contoso").await;
    chrome.fill("input[name=tenant_id]", DEMO_TENANT_ID).await;
    chrome.fill("input[name=client_id]", DEMO_CLIENT_ID).await;
    chrome
        .fill("input[name=client_secret]", DEMO_CLIENT_SECRET)
        .await;
    chrome
        .find("select[name=cloud] option[value=custom]")
        .await
        .click()
        .await
        .expect("custom cloud");
    let base = app.emulator.base_url().to_string();
    chrome.fill("input[name=login_url]", &base).await;
    chrome.fill("input[name=graph_url]", &base).await;
    chrome.screenshot("connection-new").await;
    chrome.click("form[action='/connections/new'] button").await;

    // Create secrets for three users, with a prefix; the names are previewed.
    chrome.find("#user-filter").await;
    chrome.fill("#prefix", "web").await;
    for user in ["alice", "bob", "carol"] {
        chrome.fill("#user-filter", user).await;
        chrome
            .click(&format!("input[value='{user}@{DEMO_DOMAIN}']"))
            .await;
    }
    assert_eq!(
        chrome.text("#name-preview").await,
        "web-alice, web-bob, web-carol"
    );
    chrome.screenshot("secrets-new").await;
    chrome.click("#secret-form button[type=submit]").await;
    chrome.find("ul.results").await;
    let results = chrome.text("ul.results").await;
    for name in ["web-alice", "web-bob", "web-carol"] {
        assert!(results.contains(name), "{results}");
    }
    chrome.screenshot("secrets-created").await;

    // Generate a lease; the password on the page works at the emulator.
    chrome.goto(&format!("{api}/secrets/web-alice")).await;
    chrome.fill("input[name=ttl]", "30m").await;
    chrome.screenshot("secret").await;
    chrome
        .click("form[action$='/lease'] button[type=submit]")
        .await;
    let password = chrome.text("#password").await;
    let username = chrome.text("#username").await;
    assert_eq!(username, format!("alice@{DEMO_DOMAIN}"));
    assert!(chrome
        .text("p.warn")
        .await
        .contains("will not be shown again"));
    chrome.screenshot("credential").await;
    assert_eq!(app.sign_in(&username, &password).await, SignIn::Accepted);
    let held_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    // The password is in no URL the browser keeps.
    let history: String = chrome
        .eval("return performance.getEntriesByType('navigation').map(e => e.name).join(' ')")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!history.contains(&password) && !chrome.url().await.contains(&password));

    // Renew, then revoke and see it revoked without reloading the page.
    chrome.click("a[href^='/leases/']").await;
    chrome
        .fill("form[action$='/renew'] input[name=ttl]", "45m")
        .await;
    chrome.click("form[action$='/renew'] button").await;
    assert!(chrome.text("p.ok").await.starts_with("Renewed."));
    chrome.screenshot("lease").await;
    chrome.click("form[action$='/revoke'] button").await;
    chrome.find("p.ok").await;
    chrome
        .eval("window.__sameDocument = true; return true")
        .await;
    chrome.find("[data-lease-id] [data-status=revoked]").await;
    assert_eq!(
        chrome.eval("return window.__sameDocument === true").await,
        json!(true)
    );
    chrome.screenshot("lease-revoked").await;
    assert!(matches!(
        app.sign_in(&username, &password).await,
        SignIn::Refused { .. }
    ));
    let lease_page = chrome.url().await;
    chrome.goto(&lease_page).await;
    let timeline = chrome.text("ol.timeline").await;
    for event in [
        "LeaseRequested",
        "LeaseActivated",
        "LeaseRenewed",
        "LeaseRevoked",
    ] {
        assert!(timeline.contains(event), "{timeline}");
    }
    assert!(
        timeline.contains(&format!("{ADMIN_PERSON} via http")),
        "{timeline}"
    );

    // Rotate the connection's client secret (the emulator's app has one secret: the
    // same value passes Entra's check).
    chrome.goto(&format!("{api}/")).await;
    chrome.click("a[href='/connections/contoso/rotate']").await;
    chrome
        .fill("input[name=client_secret]", DEMO_CLIENT_SECRET)
        .await;
    chrome
        .click("form[action='/connections/contoso/rotate'] button")
        .await;
    assert_eq!(chrome.text("p.ok").await, "The client secret was rotated.");
    // The overview checked the connection against Entra just now.
    assert_eq!(
        chrome.text("[data-health=contoso] [data-status]").await,
        "ok"
    );
    let row = chrome.text("tr:has([data-health=contoso])").await;
    assert!(row.contains("custom"), "{row}");
    chrome.screenshot("overview").await;

    // Who held alice's password while the lease was active.
    chrome
        .goto(&format!(
            "{api}/audit?user=alice@{DEMO_DOMAIN}&time={}",
            held_at.replace('+', "%2B")
        ))
        .await;
    let holder = chrome.text("#holder").await;
    assert!(holder.contains(ADMIN_PERSON), "{holder}");
    chrome.screenshot("audit").await;
    chrome.goto(&format!("{api}/leases")).await;
    chrome.find("table[data-live=leases]").await;
    chrome.screenshot("leases").await;
    assert_eq!(
        chrome
            .eval("return document.body.dataset.cspViolations || '0'")
            .await,
        json!("0")
    );
    chrome.stop().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_without_rights_sees_no_forbidden_actions_and_hostile_names_stay_text() {
    let (app, api) = spawn_with_sign_in().await;
    app.connect().await;
    let hostile = [
        "<script>document.body.dataset.pwned='script'</script>",
        "\"><img src=x onerror=\"document.body.dataset.pwned='img'\">",
        "<svg onload=document.body.dataset.pwned='svg'>",
    ];
    let mut users = Vec::new();
    for (i, name) in hostile.iter().enumerate() {
        let upn = format!("hostile{i}@{DEMO_DOMAIN}");
        app.emulator
            .state()
            .add_user(
                DEMO_TENANT_ID,
                UserSeed::new(
                    &format!("hostile{i}"),
                    DEMO_DOMAIN,
                    name,
                    Some(DEMO_USER_PASSWORD),
                ),
            )
            .expect("hostile user");
        users.push(upn);
    }
    let user_refs: Vec<&str> = users
        .iter()
        .map(|u| u.split('@').next().unwrap_or(u))
        .collect();
    app.secrets("app", &user_refs, "1h", "2h").await;

    let chrome = Chrome::start(375).await;
    sign_in(&chrome, &api, PERSON).await;
    // No connection section and no admin actions for someone who may not use them.
    assert!(!chrome.has("a[href='/connections/new']").await);
    assert!(!chrome.has("#connections-h").await);
    chrome.goto(&format!("{api}/secrets")).await;
    chrome.find("table").await;
    assert!(!chrome.has("a[href='/secrets/new']").await);
    chrome.screenshot("narrow-secrets").await;
    // Trying the URL anyway: a clear page, not a form.
    chrome.goto(&format!("{api}/connections/new")).await;
    assert_eq!(chrome.text("h1").await, "Not allowed");
    assert!(!chrome.has("input[name=client_secret]").await);
    chrome.goto(&format!("{api}/secrets/new")).await;
    assert_eq!(chrome.text("h1").await, "Not allowed");

    // The hostile display names, on the secret pages: text, never markup.
    for (i, name) in hostile.iter().enumerate() {
        chrome.goto(&format!("{api}/secrets/app-hostile{i}")).await;
        let terms = chrome.text("dl.terms").await;
        assert!(terms.contains(name), "{terms}");
    }
    assert_eq!(
        chrome
            .eval("return document.body.dataset.pwned || null")
            .await,
        json!(null)
    );
    assert_eq!(
        chrome.eval("return document.body.dataset.enhanced").await,
        json!("true")
    );
    assert_eq!(
        chrome
            .eval("return document.body.dataset.cspViolations || '0'")
            .await,
        json!("0")
    );
    let _ = users;
    chrome.stop().await;
    app.stop().await;
}

/// Waits are bounded: nothing here sleeps.
#[allow(dead_code)]
const BOUND: Duration = Duration::from_secs(20);
