//! The HTTP API, over real HTTP: an application signs in with client credentials at the
//! emulator and runs a whole lease through the API; the password it gets works at the
//! emulator's token endpoint until the lease is revoked.

mod helpers;
mod http_support;

use std::time::Duration;

use helpers::status_is;
use http_support::{ci_token, spawn, token, CI_APP, GATEWAY, OPS_APP, OPS_SECRET};
use leasehold::signin::SignIn;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn body(response: reqwest::Response) -> Value {
    response.json().await.expect("json body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_runs_a_whole_lease_through_the_http_api() {
    let (app, api) = spawn(60).await;
    app.connect().await;
    app.secrets("app", &["alice", "carol"], "1h", "2h").await;
    app.secrets("ops", &["bob"], "1h", "2h").await;
    let token = ci_token(&app).await;
    let http = &app.http;

    // Create, with an idempotency key: 201, Location, no caching of the credential.
    let create = || {
        http.post(format!("{api}/v1/leases"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "ci-run-1")
            .json(&json!({ "secret": "app-alice", "ttl": "30m" }))
    };
    let response = create().send().await.expect("POST /v1/leases");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let created = body(response).await;
    let lease_id = created["lease"]["lease_id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(location, format!("/v1/leases/{lease_id}"));
    assert_eq!(created["lease"]["requested_by"], CI_APP);
    let username = created["credential"]["username"].as_str().expect("user");
    let password = created["credential"]["password"]
        .as_str()
        .expect("password");
    assert_eq!(app.sign_in(username, password).await, SignIn::Accepted);

    // The same key again is the same lease, not a second one.
    let again = body(create().send().await.expect("retry")).await;
    assert_eq!(again["lease"]["lease_id"], lease_id.as_str());

    // List with a filter, get, renew.
    let list = body(
        http.get(format!(
            "{api}/v1/leases?secret=app-alice&status=active&limit=10"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list"),
    )
    .await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|l| l["lease_id"].as_str())
        .collect();
    assert_eq!(ids, vec![lease_id.as_str()]);
    let got = http
        .get(format!("{api}{location}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(body(got).await["lease"]["status"], "active");
    let renewed = http
        .post(format!("{api}{location}/renew"))
        .bearer_auth(&token)
        .json(&json!({ "ttl": "1h" }))
        .send()
        .await
        .expect("renew");
    assert_eq!(renewed.status(), StatusCode::OK);
    assert_eq!(body(renewed).await["capped"], false);

    // Errors are problem documents carrying the NATS code.
    let too_long = http
        .post(format!("{api}/v1/leases"))
        .bearer_auth(&token)
        .json(&json!({ "secret": "app-carol", "ttl": "1d" }))
        .send()
        .await
        .expect("too long");
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        too_long.headers()["content-type"],
        "application/problem+json"
    );
    let problem = body(too_long).await;
    assert_eq!(problem["code"], "ttl_exceeds_max");
    assert_eq!(problem["status"], 422);
    // The policy is applied to the signed-in application, not to the gateway.
    let other = http
        .post(format!("{api}/v1/leases"))
        .bearer_auth(&token)
        .json(&json!({ "secret": "ops-bob" }))
        .send()
        .await
        .expect("not granted");
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    assert_eq!(body(other).await["code"], "forbidden");
    // So are unknown resources and methods, and bodies that are not the contract's.
    for (response, status) in [
        (
            http.get(format!("{api}/v1/nothing")).bearer_auth(&token),
            StatusCode::NOT_FOUND,
        ),
        (
            http.put(format!("{api}/v1/leases")).bearer_auth(&token),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            http.post(format!("{api}/v1/leases"))
                .bearer_auth(&token)
                .json(&json!({ "secret": "app-carol", "colour": "red" })),
            StatusCode::BAD_REQUEST,
        ),
        (
            // A struct read by position from an array, as serde would: refused.
            http.post(format!("{api}/v1/leases"))
                .bearer_auth(&token)
                .json(&json!(["app-carol", "30m"])),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let response = response.send().await.expect("request");
        assert_eq!(response.status(), status);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }

    // Revoke: accepted, and once Entra confirmed it the password is dead.
    let revoked = http
        .delete(format!("{api}{location}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), StatusCode::ACCEPTED);
    app.wait_lease(&lease_id, Duration::from_secs(20), status_is("revoked"))
        .await;
    assert!(matches!(
        app.sign_in(username, password).await,
        SignIn::Refused { .. }
    ));

    // The history names the application and the gateway it came through.
    let history = body(
        http.get(format!("{api}{location}/history"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("history"),
    )
    .await;
    let requested = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["event_type"] == "LeaseRequested")
        .cloned()
        .unwrap_or_else(|| panic!("no LeaseRequested in {history}"));
    assert_eq!(requested["actor"], CI_APP);
    assert_eq!(requested["via"], GATEWAY);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_app_role_makes_an_application_an_admin() {
    let (app, api) = spawn(60).await;
    app.connect().await;
    let connections = |token: String| {
        let request = app
            .http
            .get(format!("{api}/v1/connections"))
            .bearer_auth(token);
        async move { request.send().await.expect("GET /v1/connections") }
    };
    let ops = token(&app, OPS_APP, OPS_SECRET).await;
    // The read model catches up with the connection just made.
    let mut poll = leasehold_testkit::Poll::new(Duration::from_secs(10), Duration::from_millis(50));
    loop {
        let response = connections(ops.clone()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let listed = body(response).await;
        if listed["items"][0]["name"] == "contoso" {
            break;
        }
        assert!(poll.again().await, "contoso never listed: {listed}");
    }
    let ci = connections(ci_token(&app).await).await;
    assert_eq!(ci.status(), StatusCode::FORBIDDEN, "no admin role, no rule");
    app.stop().await;
}
