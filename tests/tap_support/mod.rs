//! Signing in with a Temporary Access Pass the way a person does: the emulator's
//! interactive sign-in page (`/authorize`), over real HTTP, for a web application
//! registered with a redirect URI.
#![allow(dead_code)]

use entra_emulator::{AppSeed, EmulatorHandle, TapPolicy, DEMO_TENANT_ID};
use leasehold::client::ApiClient;
use leasehold_api::Operation;
use serde_json::{json, Value};

/// The web application people sign in to.
pub const WEB_APP: &str = "66666666-6666-4666-8666-666666666666";
/// Its redirect URI (nothing listens there: the redirect itself is the answer).
pub const CALLBACK: &str = "http://127.0.0.1:9/callback";

/// Registers [`WEB_APP`] in the demo tenant.
pub fn register_web_app(emulator: &EmulatorHandle) {
    emulator
        .add_app(
            DEMO_TENANT_ID,
            AppSeed {
                client_id: WEB_APP.parse().expect("uuid"),
                display_name: "sign-in probe".into(),
                redirect_uris: vec![CALLBACK.into()],
                ..AppSeed::default()
            },
        )
        .expect("web app");
}

/// Lets passes live from one minute, so a test sees one expire without waiting an hour.
pub fn short_pass_policy(emulator: &EmulatorHandle) {
    emulator
        .set_tap_policy(
            DEMO_TENANT_ID,
            TapPolicy {
                min_lifetime_minutes: 1,
                default_lifetime_minutes: 1,
                max_lifetime_minutes: 60,
                ..TapPolicy::default()
            },
        )
        .expect("policy");
}

/// What the sign-in page did with a username and a secret.
#[derive(Debug, PartialEq, Eq)]
pub enum PageSignIn {
    /// Redirected back to the application with a code.
    Accepted,
    /// Shown again with Entra's error (e.g. `AADSTS50126: …`).
    Refused(String),
}

/// Opens the sign-in page and submits `username` and `secret` as a person would.
pub async fn sign_in_page(base_url: &str, username: &str, secret: &str) -> PageSignIn {
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let url = format!("{base_url}/{DEMO_TENANT_ID}/oauth2/v2.0/authorize");
    let params = [
        ("client_id", WEB_APP),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid profile"),
        ("state", "st"),
    ];
    let page = http
        .get(&url)
        .query(&params)
        .send()
        .await
        .expect("sign-in page");
    assert_eq!(page.status(), 200, "the sign-in page is shown");
    let mut form: Vec<(&str, &str)> = params.to_vec();
    form.push(("username", username));
    form.push(("password", secret));
    let answer = http.post(&url).form(&form).send().await.expect("sign in");
    if answer.status() == 302 {
        let location = answer.headers()["location"].to_str().expect("location");
        assert!(
            location.starts_with(CALLBACK) && location.contains("code="),
            "{location}"
        );
        return PageSignIn::Accepted;
    }
    let html = answer.text().await.expect("page");
    let error = html
        .split("<p id=\"error\" role=\"alert\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_else(|| panic!("neither a redirect nor an error: {html}"));
    PageSignIn::Refused(error.to_string())
}

/// Creates the Temporary Access Pass secret `<prefix>-<user>` on connection `contoso`.
pub async fn tap_secret(
    admin: &ApiClient,
    prefix: &str,
    user: &str,
    usable_once: bool,
    ttls: (&str, &str),
) -> Value {
    admin
        .command(
            Operation::SecretCreate,
            &json!({
                "connection": "contoso",
                "prefix": prefix,
                "users": [format!("{user}@contoso.onmicrosoft.com")],
                "credential_kind": "temporary_access_pass",
                "usable_once": usable_once,
                "default_ttl": ttls.0,
                "max_ttl": ttls.1,
            }),
        )
        .await
        .expect("secret.create")
}
