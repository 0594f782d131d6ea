//! The HTTP API forwards the credential kind: an operator creates a Temporary Access Pass
//! secret over HTTP and sees its kind and policy bounds; a lease on it cannot be renewed.

mod helpers;
mod http_support;

use http_support::{ci_token, spawn, token, OPS_APP, OPS_SECRET};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_secret_is_made_and_leased_over_http_and_its_lease_is_not_renewable() {
    let (app, api) = spawn(60).await;
    app.connect().await;
    let ops = token(&app, OPS_APP, OPS_SECRET).await;
    let response = app
        .http
        .post(format!("{api}/v1/secrets"))
        .bearer_auth(&ops)
        .json(&json!({
            "connection": "contoso",
            "prefix": "app",
            "users": ["erin@contoso.onmicrosoft.com"],
            "credential_kind": "temporary_access_pass",
            "usable_once": true,
        }))
        .send()
        .await
        .expect("POST /v1/secrets");
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.expect("json");
    let secret = &created["created"][0];
    assert_eq!(
        secret["credential_kind"], "temporary_access_pass",
        "{created}"
    );
    assert_eq!(secret["usable_once"], true);
    assert_eq!(secret["tap_policy"]["max_lifetime_minutes"], 480);

    let ci = ci_token(&app).await;
    let lease: Value = app
        .http
        .post(format!("{api}/v1/leases"))
        .bearer_auth(&ci)
        .json(&json!({ "secret": "app-erin" }))
        .send()
        .await
        .expect("POST /v1/leases")
        .json()
        .await
        .expect("json");
    let lease_id = lease["lease"]["lease_id"].as_str().expect("id");
    assert!(lease["credential"]["password"].is_string(), "{lease}");
    let renewal = app
        .http
        .post(format!("{api}/v1/leases/{lease_id}/renew"))
        .bearer_auth(&ci)
        .json(&json!({}))
        .send()
        .await
        .expect("renew");
    assert_eq!(renewal.status(), StatusCode::CONFLICT);
    let problem: Value = renewal.json().await.expect("problem");
    assert_eq!(problem["code"], "lease_not_renewable", "{problem}");
    app.stop().await;
}
