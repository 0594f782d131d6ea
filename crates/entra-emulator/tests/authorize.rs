//! The authorization endpoint and its sign-in page: a person signs in with a browser-like
//! client (code + PKCE), the code is redeemed once for tokens whose ID token carries the
//! nonce; wrong passwords, unregistered redirect URIs, replayed codes and wrong verifiers
//! fail as Entra's do.

mod helpers;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use entra_emulator::{AppSeed, EmulatorConfig, DEMO_USER_PASSWORD};
use helpers::*;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sha2::{Digest, Sha256};

const WEB: &str = "66666666-6666-4666-8666-666666666666";
const CALLBACK: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "a-verifier-of-at-least-43-characters-0123456789abcdef";

fn with_web_app() -> EmulatorConfig {
    let mut config = EmulatorConfig::default();
    config.seed.tenants[0].applications.push(AppSeed {
        client_id: WEB.parse().expect("uuid"),
        display_name: "leasehold web".into(),
        redirect_uris: vec![CALLBACK.into()],
        ..AppSeed::default()
    });
    config
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

fn authorize_params(redirect_uri: &str) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", WEB.into()),
        ("response_type", "code".into()),
        ("redirect_uri", redirect_uri.into()),
        ("scope", "openid profile offline_access".into()),
        ("state", "st-1".into()),
        ("nonce", "n-1".into()),
        ("code_challenge", challenge()),
        ("code_challenge_method", "S256".into()),
    ]
}

/// Fills in the sign-in page as a person would and returns the response to the POST.
async fn sign_in(env: &Env, username: &str, password: &str) -> reqwest::Response {
    let http = no_redirects();
    let url = env.url(&format!("/{TENANT}/oauth2/v2.0/authorize"));
    let page = http
        .get(&url)
        .query(&authorize_params(CALLBACK))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("name=\"password\""), "{html}");
    let mut form: Vec<(&str, String)> = authorize_params(CALLBACK);
    form.push(("username", username.into()));
    form.push(("password", password.into()));
    http.post(&url).form(&form).send().await.expect("sign in")
}

fn query_of(location: &str) -> Vec<(String, String)> {
    url::Url::parse(location)
        .expect("url")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

async fn redeem(env: &Env, code: &str, verifier: &str) -> reqwest::Response {
    env.http
        .post(env.url(&format!("/{TENANT}/oauth2/v2.0/token")))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", WEB),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
            ("client_info", "1"),
        ])
        .send()
        .await
        .expect("token")
}

async fn code_for_alice(env: &Env) -> String {
    let response = sign_in(env, ALICE, DEMO_USER_PASSWORD).await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().expect("location");
    assert!(location.starts_with(CALLBACK), "{location}");
    let pairs = query_of(location);
    assert_eq!(param(&pairs, "state").as_deref(), Some("st-1"));
    param(&pairs, "code").expect("code")
}

#[tokio::test]
async fn a_person_signs_in_with_code_and_pkce() {
    let env = start(with_web_app()).await;
    let code = code_for_alice(&env).await;
    let response = redeem(&env, &code, VERIFIER).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert!(body["access_token"].is_string());
    assert!(body["refresh_token"].is_string());

    // The ID token validates against the published keys and carries the nonce.
    let jwks: JwkSet = env
        .http
        .get(env.url(&format!("/{TENANT}/discovery/v2.0/keys")))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("jwk set");
    let id_token = body["id_token"].as_str().expect("id_token");
    let kid = jsonwebtoken::decode_header(id_token).expect("header").kid;
    let key =
        DecodingKey::from_jwk(jwks.find(&kid.expect("kid")).expect("published key")).expect("key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[WEB]);
    validation.set_issuer(&[format!("{}/{TENANT}/v2.0", env.emu.base_url())]);
    let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .expect("valid ID token")
        .claims;
    assert_eq!(claims["nonce"], "n-1");
    assert_eq!(claims["preferred_username"], ALICE);

    let info: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(body["client_info"].as_str().expect("client_info"))
            .expect("base64"),
    )
    .expect("json");
    assert_eq!(info["utid"], TENANT);
    assert_eq!(info["uid"], claims["oid"]);

    // A code is good once.
    let again = redeem(&env, &code, VERIFIER).await;
    assert_aad_error(again, 400, "invalid_grant", 70008).await;
}

#[tokio::test]
async fn a_code_needs_the_verifier_of_its_challenge() {
    let env = start(with_web_app()).await;
    let code = code_for_alice(&env).await;
    let wrong = redeem(
        &env,
        &code,
        "another-verifier-of-at-least-43-characters-000",
    )
    .await;
    assert_aad_error(wrong, 400, "invalid_grant", 501481).await;
}

#[tokio::test]
async fn the_page_refuses_wrong_passwords_and_unregistered_redirects() {
    let env = start(with_web_app()).await;
    let wrong = sign_in(&env, ALICE, "not-the-password").await;
    assert_eq!(wrong.status(), 200, "the page again, not a redirect");
    let html = wrong.text().await.expect("html");
    assert!(
        html.contains("AADSTS50126: Your account or password is incorrect."),
        "{html}"
    );

    let http = no_redirects();
    let url = env.url(&format!("/{TENANT}/oauth2/v2.0/authorize"));
    let elsewhere = http
        .get(&url)
        .query(&authorize_params("https://evil.example/steal"))
        .send()
        .await
        .expect("page");
    assert_eq!(
        elsewhere.status(),
        400,
        "never redirected to an unknown URI"
    );
    assert!(elsewhere
        .text()
        .await
        .expect("html")
        .contains("AADSTS50011"));

    let mut token_flow = authorize_params(CALLBACK);
    token_flow[1] = ("response_type", "token".into());
    let refused = http
        .get(&url)
        .query(&token_flow)
        .send()
        .await
        .expect("page");
    assert_eq!(refused.status(), 302);
    let pairs = query_of(refused.headers()["location"].to_str().expect("location"));
    assert_eq!(
        param(&pairs, "error").as_deref(),
        Some("unsupported_response_type")
    );
    assert_eq!(param(&pairs, "state").as_deref(), Some("st-1"));
}
