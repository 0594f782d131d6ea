//! Temporary Access Pass secrets and connection health in the dashboard (headless
//! Chromium): the overview tells a working connection from one whose secret Entra
//! refuses; an administrator picks the kind when creating a secret; the lease page names
//! the credential a pass and offers no renewal; the pass signs its user in to the
//! dashboard itself through the emulator's sign-in page, and after revocation the same
//! pass is refused there.

mod browser_support;
mod helpers;
mod http_support;

use browser_support::Chrome;
use entra_emulator::{DEMO_DOMAIN, DEMO_USER_PASSWORD};
use http_support::{spawn_with_sign_in, ADMIN_PERSON, PERSON};
use leasehold_api::Operation;
use serde_json::json;

/// Opens the dashboard's front door in `chrome` and submits `username` and `secret` on
/// the emulator's sign-in page.
async fn submit_sign_in(chrome: &Chrome, api: &str, username: &str, secret: &str) {
    chrome.goto(&format!("{api}/")).await;
    chrome.fill("input[name=username]", username).await;
    chrome.fill("input[name=password]", secret).await;
    chrome.click("button[type=submit]").await;
}

/// The value next to term `label` in the page's `dl.terms`.
async fn term(chrome: &Chrome, label: &str) -> serde_json::Value {
    chrome
        .eval(&format!(
            "const dt = [...document.querySelectorAll('dl.terms dt')].find(d => d.textContent.trim() === {}); \
             return dt ? dt.nextElementSibling.textContent.trim() : null",
            json!(label)
        ))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_secret_is_made_leased_used_to_sign_in_and_revoked_in_the_dashboard() {
    let (app, api) = spawn_with_sign_in().await;
    app.connect().await;
    let admin = Chrome::start(1280).await;
    submit_sign_in(&admin, &api, ADMIN_PERSON, DEMO_USER_PASSWORD).await;
    assert_eq!(admin.text("#whoami").await, ADMIN_PERSON);

    // A second connection whose client secret Entra refuses: the overview says so beside
    // the working one.
    let mut stale = leasehold::demo::emulator_connection("stale", &app.emulator);
    stale["client_secret"] = json!("a-client-secret-entra-refuses");
    stale["skip_verify"] = json!(true);
    app.admin
        .command(Operation::ConnectionCreate, &stale)
        .await
        .expect("connection.create --skip-verify");
    admin.goto(&format!("{api}/")).await;
    assert_eq!(
        admin.text("[data-health=contoso] [data-status]").await,
        "ok"
    );
    let refused = admin.text("[data-health=stale]").await;
    assert!(
        refused.starts_with("needs attention") && refused.contains("AADSTS7000215"),
        "{refused}"
    );
    assert!(
        !refused.contains("a-client-secret-entra-refuses"),
        "{refused}"
    );
    admin.screenshot("overview-health").await;

    // A pass secret for dave: the kind is chosen, the max TTL left to the policy.
    admin
        .goto(&format!("{api}/secrets/new?connection=contoso"))
        .await;
    admin.fill("#prefix", "pass").await;
    admin.fill("#user-filter", "dave").await;
    admin.click(&format!("input[value='{PERSON}']")).await;
    admin
        .click("input[name=credential_kind][value=temporary_access_pass]")
        .await;
    admin.screenshot("secrets-new-pass").await;
    admin.click("#secret-form button[type=submit]").await;
    let results = admin.text("ul.results").await;
    assert!(results.contains("pass-dave"), "{results}");

    admin.goto(&format!("{api}/secrets/pass-dave")).await;
    assert_eq!(admin.text("#kind").await, "Temporary Access Pass");
    assert_eq!(term(&admin, "Usable once").await, json!("no"));
    // The tenant policy's maximum (8 hours), not the 1-day default of a password.
    assert_eq!(term(&admin, "Max TTL").await, json!("8h"));
    admin
        .click("form[action$='/lease'] button[type=submit]")
        .await;
    let pass = admin.text("#password").await;
    assert_eq!(admin.text("#username").await, PERSON);
    assert_eq!(
        admin
            .eval("return document.querySelector('dl.credential').dataset.kind")
            .await,
        json!("temporary_access_pass")
    );
    let credential = admin.text("dl.credential").await;
    assert!(credential.contains("Temporary Access Pass"), "{credential}");
    assert!(admin.text("p.warn").await.contains("Copy the pass now"));
    admin.screenshot("credential-pass").await;

    // The pass signs dave in to the dashboard, on the emulator's own sign-in page.
    let dave = Chrome::start(1280).await;
    submit_sign_in(&dave, &api, PERSON, &pass).await;
    assert_eq!(dave.text("#whoami").await, PERSON);
    dave.stop().await;

    // The lease page: the credential is named, there is no renewal, revocation works.
    admin.click("a[href^='/leases/']").await;
    admin.find("#not-renewable").await;
    assert!(!admin.has("form[action$='/renew']").await);
    assert_eq!(
        term(&admin, "Credential").await,
        json!("Temporary Access Pass")
    );
    admin.screenshot("lease-pass").await;
    admin.click("form[action$='/revoke'] button").await;
    admin.find("[data-lease-id] [data-status=revoked]").await;

    // The revoked pass no longer signs dave in: the sign-in page shows Entra's error.
    let again = Chrome::start(1280).await;
    submit_sign_in(&again, &api, PERSON, &pass).await;
    let error = again.text("#error").await;
    assert!(error.starts_with("AADSTS"), "{error}");
    assert!(!again.has("#whoami").await);
    again.stop().await;

    // The secrets list names the kind of each secret.
    admin.goto(&format!("{api}/secrets")).await;
    let row = admin
        .eval(
            "return [...document.querySelectorAll('tbody tr')].map(r => \
             [...r.cells].slice(0, 3).map(c => c.textContent.trim()).join('|'))",
        )
        .await;
    assert_eq!(
        row,
        json!([format!(
            "pass-dave|dave@{DEMO_DOMAIN}|Temporary Access Pass"
        )])
    );
    admin.stop().await;
    app.stop().await;
}
