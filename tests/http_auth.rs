//! Attacks on the HTTP API's bearer authentication: every token that is not a valid
//! Entra access token for leasehold, from an allowed tenant, right now, gets 401
//! problem+json and nothing is done. Key rollover is followed.

mod helpers;
mod http_support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use entra_emulator::{Emulator, EmulatorConfig, DEMO_TENANT_ID};
use http_support::{ci_token, claims, spawn};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("json"))
}

/// `token` with its payload replaced by `claims`, header and signature kept.
fn with_payload(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!("{}.{}.{}", parts[0], b64(claims), parts[2])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_that_are_not_valid_for_leasehold_get_401_and_nothing_is_done() {
    let (app, api) = spawn(60).await;
    app.connect().await;
    app.secrets("app", &["alice"], "1h", "2h").await;
    let base = app.emulator.base_url().to_string();
    let idp = app.emulator.state();
    let now = idp.now().timestamp();
    let valid = ci_token(&app).await;
    let sign = |edit: &dyn Fn(&mut Value)| {
        let mut c = claims(&base, now);
        edit(&mut c);
        idp.sign_token(&c)
    };

    // A token from another identity provider, with a key leasehold never published.
    let stranger = Emulator::start(
        EmulatorConfig::default(),
        tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind"),
    )
    .await
    .expect("second emulator");
    let foreign = stranger.state().sign_token(&claims(&base, now));

    // HS256 keyed with the published public key, and `alg: none`.
    let jwks: Value = app
        .http
        .get(format!("{base}/{DEMO_TENANT_ID}/discovery/v2.0/keys"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("jwks json");
    let public = &jwks["keys"][0];
    let kid = public["kid"].as_str().expect("kid");
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some(kid.to_string()),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
        },
        &claims(&base, now),
        &jsonwebtoken::EncodingKey::from_secret(public.to_string().as_bytes()),
    )
    .expect("hs256");
    let none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT", "kid": kid })),
        b64(&claims(&base, now))
    );
    let mut admin_claims = claims(&base, now);
    admin_claims["azp"] = json!("admin");

    let attacks: Vec<(&str, Option<String>)> = vec![
        ("missing token", None),
        (
            "expired",
            Some(sign(&|c| {
                c["nbf"] = json!(now - 7200);
                c["exp"] = json!(now - 600);
            })),
        ),
        (
            "not yet valid",
            Some(sign(&|c| {
                c["nbf"] = json!(now + 600);
                c["exp"] = json!(now + 4200);
            })),
        ),
        (
            "wrong audience",
            Some(sign(&|c| c["aud"] = json!("api://other"))),
        ),
        (
            "wrong issuer",
            Some(sign(&|c| {
                c["iss"] = json!(format!("https://evil.example/{DEMO_TENANT_ID}/v2.0"))
            })),
        ),
        (
            "other tenant",
            Some(sign(&|c| {
                let other = "99999999-9999-4999-8999-999999999999";
                c["tid"] = json!(other);
                c["iss"] = json!(format!("{base}/{other}/v2.0"));
            })),
        ),
        ("alg none", Some(none)),
        ("HS256 keyed with the public key", Some(hs256)),
        ("unknown kid", Some(foreign.clone())),
        (
            "tampered payload",
            Some(with_payload(&valid, &admin_claims)),
        ),
    ];
    for (name, token) in &attacks {
        let mut request = app
            .http
            .post(format!("{api}/v1/leases"))
            .json(&json!({ "secret": "app-alice" }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{name}"
        );
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .expect("header")
                .starts_with("Bearer"),
            "{name}"
        );
        let problem: Value = response.json().await.expect("problem");
        assert_eq!(problem["code"], "unauthenticated", "{name}: {problem}");
    }

    // Nothing was done: no lease event exists.
    let leases: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'Lease'")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
    assert_eq!(leases, 0, "a rejected request reached the engine");

    // Unknown key ids make the gateway read the keys again at most once per interval.
    for _ in 0..5 {
        let response = app
            .http
            .get(format!("{api}/v1/leases"))
            .bearer_auth(&foreign)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let fetches = idp
        .request_log()
        .iter()
        .filter(|r| r.path.ends_with("/discovery/v2.0/keys") && r.client_id.is_none())
        .count();
    // One is this test's own read of the keys above; the gateway read them once.
    assert!(fetches <= 2, "the keys were fetched {fetches} times");

    // And the real token works, so the refusals above are the checks, not the setup.
    let ok = app
        .http
        .get(format!("{api}/v1/leases"))
        .bearer_auth(&valid)
        .send()
        .await
        .expect("valid");
    assert_eq!(ok.status(), StatusCode::OK);
    stranger.shutdown().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_is_served_and_needs_a_token() {
    let (app, api) = spawn(60).await;
    for route in leasehold_api::http::ROUTES {
        let path = route
            .path
            .replace("{id}", "01a2a2a2-0000-7000-8000-000000000000")
            .replace("{name}", "x");
        let method = reqwest::Method::from_bytes(route.method.as_bytes()).expect("method");
        let response = app
            .http
            .request(method, format!("{api}{path}"))
            .send()
            .await
            .expect("request");
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{} {}",
            route.method,
            route.path
        );
    }
    let served: Value = app
        .http
        .get(format!("{api}/v1/openapi.json"))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    assert_eq!(served, leasehold_api::openapi::document());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_signing_key_is_picked_up_from_the_jwks() {
    let (app, api) = spawn(0).await;
    let list = |token: String| {
        let request = app.http.get(format!("{api}/v1/leases")).bearer_auth(token);
        async move { request.send().await.expect("list").status() }
    };
    assert_eq!(list(ci_token(&app).await).await, StatusCode::OK);
    let idp = app.emulator.state();
    let old = idp.signing_key_ids()[0].clone();
    let new = idp.rotate_signing_key().expect("rotate");
    let token = ci_token(&app).await;
    let header = jsonwebtoken::decode_header(&token).expect("header");
    assert_eq!(header.kid.as_deref(), Some(new.as_str()));
    assert_eq!(list(token).await, StatusCode::OK);

    // The old key, retired, is no longer published.
    idp.retire_signing_key(&old).expect("retire the old key");
    assert_eq!(idp.signing_key_ids(), vec![new]);
    app.stop().await;
}
