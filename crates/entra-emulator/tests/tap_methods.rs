//! Temporary Access Pass methods and policy as Graph serves them: a create answers 201
//! with the passcode (no read shows it again), replaces the user's previous pass, and is
//! refused outside the policy's lifetimes; a list shows the pass expiring by the
//! emulator's clock; a delete answers 204, then 404; the password grant refuses a pass.

mod helpers;

use std::time::Duration;

use entra_emulator::{TapPolicy, DEMO_USER_PASSWORD};
use helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

fn methods(user: &str) -> String {
    format!("/v1.0/users/{user}/authentication/temporaryAccessPassMethods")
}

async fn create(env: &Env, token: &str, body: Value) -> reqwest::Response {
    env.graph(Method::POST, &methods(ALICE), token)
        .json(&body)
        .send()
        .await
        .expect("create")
}

async fn list(env: &Env, token: &str) -> Vec<Value> {
    let response = env
        .graph(Method::GET, &methods(ALICE), token)
        .send()
        .await
        .expect("list");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    body["value"].as_array().expect("value").clone()
}

#[tokio::test]
async fn the_policy_reads_as_graph_shows_it_and_follows_the_admin_api() {
    let env = demo().await;
    let token = env.demo_token().await;
    let path = "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass";
    let policy: Value = env
        .graph(Method::GET, path, &token)
        .send()
        .await
        .expect("policy")
        .json()
        .await
        .expect("json");
    assert_eq!(
        policy["@odata.type"],
        "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"
    );
    assert_eq!(policy["state"], "enabled");
    assert_eq!(policy["minimumLifetimeInMinutes"], 60);
    assert_eq!(policy["maximumLifetimeInMinutes"], 480);
    assert_eq!(policy["defaultLifetimeInMinutes"], 60);
    assert_eq!(policy["isUsableOnce"], false);

    let changed = env
        .http
        .put(env.url(&format!("/_emulator/tap-policy/{TENANT}")))
        .json(&TapPolicy {
            min_lifetime_minutes: 10,
            max_lifetime_minutes: 120,
            is_usable_once: true,
            ..TapPolicy::default()
        })
        .send()
        .await
        .expect("put");
    assert_eq!(changed.status(), 204);
    let policy: Value = env
        .graph(Method::GET, path, &token)
        .send()
        .await
        .expect("policy")
        .json()
        .await
        .expect("json");
    assert_eq!(policy["maximumLifetimeInMinutes"], 120);
    assert_eq!(policy["isUsableOnce"], true);

    // Reading it needs a policy permission.
    env.add_app(
        "77777777-7777-4777-8777-777777777777",
        &["User.Read.All"],
        &[],
    );
    let other = env
        .token_for("77777777-7777-4777-8777-777777777777", "s3cret")
        .await;
    let denied = env
        .graph(Method::GET, path, &other)
        .send()
        .await
        .expect("get");
    assert_graph_error(denied, 403, "Authorization_RequestDenied").await;
}

#[tokio::test]
async fn a_create_returns_the_pass_once_and_replaces_the_previous_one() {
    let env = demo().await;
    let token = env.demo_token().await;
    let first = create(
        &env,
        &token,
        json!({"lifetimeInMinutes": 60, "isUsableOnce": false}),
    )
    .await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["lifetimeInMinutes"], 60);
    assert_eq!(first["isUsable"], true);
    assert_eq!(first["methodUsabilityReason"], "EnabledByPolicy");
    assert_eq!(
        first["temporaryAccessPass"].as_str().expect("pass").len(),
        8
    );

    let second: Value = create(&env, &token, json!({"lifetimeInMinutes": 120}))
        .await
        .json()
        .await
        .expect("json");
    let listed = list(&env, &token).await;
    assert_eq!(listed.len(), 1, "one pass per user: {listed:?}");
    assert_eq!(listed[0]["id"], second["id"]);
    assert_eq!(listed[0]["temporaryAccessPass"], Value::Null);

    // The password grant never takes a pass; the user's password still works.
    let pass = second["temporaryAccessPass"].as_str().expect("pass");
    let scope = env.graph_scope();
    assert_aad_error(
        env.ropc(ALICE, pass, &scope).await,
        400,
        "invalid_grant",
        50126,
    )
    .await;
    assert_eq!(
        env.ropc(ALICE, DEMO_USER_PASSWORD, &scope).await.status(),
        200
    );
}

#[tokio::test]
async fn lifetimes_outside_the_policy_and_reusable_passes_under_a_one_time_policy_are_refused() {
    let env = demo().await;
    let token = env.demo_token().await;
    let body = assert_graph_error(
        create(&env, &token, json!({"lifetimeInMinutes": 30})).await,
        400,
        "badRequest",
    )
    .await;
    assert_eq!(
        body["error"]["message"],
        "Invalid LifetimeInMinutes specified. The valid range between 60 and 480."
    );
    env.emu
        .state()
        .set_tap_policy(
            TENANT,
            TapPolicy {
                is_usable_once: true,
                ..TapPolicy::default()
            },
        )
        .expect("policy");
    assert_graph_error(
        create(&env, &token, json!({"isUsableOnce": false})).await,
        400,
        "badRequest",
    )
    .await;
    assert!(list(&env, &token).await.is_empty());
}

#[tokio::test]
async fn a_pass_expires_by_the_clock_and_a_delete_is_204_then_404() {
    let env = demo().await;
    let token = env.demo_token().await;
    let created: Value = create(&env, &token, json!({"lifetimeInMinutes": 60}))
        .await
        .json()
        .await
        .expect("json");
    env.emu.state().advance_clock(Duration::from_secs(3601));
    // The clock also expired the access token.
    let token = env.demo_token().await;
    let listed = list(&env, &token).await;
    assert_eq!(listed[0]["isUsable"], false);
    assert_eq!(listed[0]["methodUsabilityReason"], "Expired");

    let path = format!("{}/{}", methods(ALICE), created["id"].as_str().expect("id"));
    let deleted = env
        .graph(Method::DELETE, &path, &token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), 204);
    let again = env
        .graph(Method::DELETE, &path, &token)
        .send()
        .await
        .expect("delete");
    assert_graph_error(again, 404, "Request_ResourceNotFound").await;
    assert!(list(&env, &token).await.is_empty());
}

#[tokio::test]
async fn creating_a_pass_needs_the_authentication_method_permission() {
    let env = demo().await;
    env.add_app(
        "88888888-8888-4888-8888-888888888888",
        &["User-PasswordProfile.ReadWrite.All"],
        &["User Administrator"],
    );
    let token = env
        .token_for("88888888-8888-4888-8888-888888888888", "s3cret")
        .await;
    assert_graph_error(
        create(&env, &token, json!({})).await,
        403,
        "Authorization_RequestDenied",
    )
    .await;
}
