//! Graph `GET /v1.0/users` and `GET /v1.0/users/{id|upn}`: auth, paging, query options.

mod helpers;

use entra_emulator::{EmulatorConfig, Seed};
use helpers::*;
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;

async fn get(env: &Env, token: &str, path: &str) -> reqwest::Response {
    env.graph(Method::GET, path, token)
        .send()
        .await
        .expect("get")
}

#[tokio::test]
async fn paging_250_users_with_top_100_gives_three_pages() {
    let seed = Seed::demo().with_generated_users(TENANT, 244);
    let env = start(EmulatorConfig {
        seed,
        ..EmulatorConfig::default()
    })
    .await;
    assert_eq!(env.emu.state().users(TENANT).len(), 250);
    let token = env.demo_token().await;
    let mut url = env.url("/v1.0/users?$top=100&$select=id,userPrincipalName");
    let mut pages = Vec::new();
    loop {
        let response = env
            .http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("page");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        assert!(body["@odata.context"]
            .as_str()
            .expect("context")
            .contains("$metadata#users"));
        pages.push(body["value"].as_array().expect("value").len());
        match body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(env.emu.base_url()),
                    "absolute nextLink: {next}"
                );
                assert!(next.contains("$skiptoken="), "{next}");
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(pages, vec![100, 100, 50]);
}

#[tokio::test]
async fn pages_cover_every_user_once_in_stable_order() {
    let env = start(EmulatorConfig {
        seed: Seed::demo().with_generated_users(TENANT, 20),
        ..EmulatorConfig::default()
    })
    .await;
    let token = env.demo_token().await;
    let mut seen = Vec::new();
    let mut url = env.url("/v1.0/users?$top=7");
    loop {
        let body: Value = env
            .http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("page")
            .json()
            .await
            .expect("json");
        for user in body["value"].as_array().expect("value") {
            assert!(user.get("displayName").is_some(), "default property set");
            assert!(user.get("businessPhones").is_some(), "default property set");
            seen.push(user["id"].as_str().expect("id").to_string());
        }
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), 26);
}

#[tokio::test]
async fn default_page_is_100() {
    let env = start(EmulatorConfig {
        seed: Seed::demo().with_generated_users(TENANT, 150),
        ..EmulatorConfig::default()
    })
    .await;
    let token = env.demo_token().await;
    let body: Value = get(&env, &token, "/v1.0/users")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["value"].as_array().expect("value").len(), 100);
    assert!(body["@odata.nextLink"].is_string());
}

#[tokio::test]
async fn invalid_page_sizes_are_rejected() {
    let env = demo().await;
    let token = env.demo_token().await;
    for top in ["0", "1000", "abc"] {
        let body = assert_graph_error(
            get(&env, &token, &format!("/v1.0/users?$top={top}")).await,
            400,
            "Request_UnsupportedQuery",
        )
        .await;
        assert!(body["error"]["message"]
            .as_str()
            .expect("msg")
            .starts_with("Invalid page size specified"));
    }
    assert_eq!(
        get(&env, &token, "/v1.0/users?$top=999").await.status(),
        200
    );
    assert_eq!(get(&env, &token, "/v1.0/users?$top=1").await.status(), 200);
}

#[tokio::test]
async fn filter_startswith_and_eq() {
    let env = demo().await;
    let token = env.demo_token().await;
    let upns = |body: Value| -> Vec<String> {
        body["value"]
            .as_array()
            .expect("value")
            .iter()
            .map(|u| u["userPrincipalName"].as_str().expect("upn").to_string())
            .collect()
    };
    let body: Value = get(
        &env,
        &token,
        "/v1.0/users?$filter=startswith(userPrincipalName,'al')",
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(upns(body), vec![ALICE]);
    let body: Value = get(
        &env,
        &token,
        "/v1.0/users?$filter=startswith(displayName,'Bob')",
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(upns(body), vec!["bob@contoso.onmicrosoft.com"]);
    let body: Value = get(
        &env,
        &token,
        &format!(
            "/v1.0/users?$filter=userPrincipalName%20eq%20'{}'",
            ALICE.to_uppercase()
        ),
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(upns(body), vec![ALICE]);
    let alice = env.emu.state().user(TENANT, ALICE).expect("alice");
    let body: Value = get(
        &env,
        &token,
        &format!("/v1.0/users?$filter=id eq '{}'", alice.id),
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(upns(body), vec![ALICE]);
}

#[tokio::test]
async fn advanced_queries_need_consistency_level() {
    let env = demo().await;
    let token = env.demo_token().await;
    for query in [
        "$search=\"displayName:ali\"",
        "$count=true",
        "$filter=userPrincipalName ne 'x'",
        "$filter=endswith(mail,'@contoso.onmicrosoft.com')",
    ] {
        let response = get(&env, &token, &format!("/v1.0/users?{query}")).await;
        assert_graph_error(response, 400, "Request_UnsupportedQuery").await;
    }
    let response = env
        .graph(
            Method::GET,
            "/v1.0/users?$search=\"displayName:ali\"&$count=true",
            &token,
        )
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .expect("search");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["@odata.count"], 1);
    assert_eq!(body["value"][0]["userPrincipalName"], ALICE);

    // An advanced filter needs $count=true as well as the header.
    let ends = "$filter=endswith(userPrincipalName,'alice@contoso.onmicrosoft.com')";
    let without = env
        .graph(Method::GET, &format!("/v1.0/users?{ends}"), &token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .expect("endswith");
    assert_graph_error(without, 400, "Request_UnsupportedQuery").await;
    let with = env
        .graph(
            Method::GET,
            &format!("/v1.0/users?{ends}&$count=true"),
            &token,
        )
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .expect("endswith with count");
    assert_eq!(with.status(), 200);
    let body: Value = with.json().await.expect("json");
    assert_eq!(body["value"][0]["userPrincipalName"], ALICE);
}

#[tokio::test]
async fn get_by_id_and_upn_with_select() {
    let env = demo().await;
    let token = env.demo_token().await;
    let alice = env.emu.state().user(TENANT, ALICE).expect("alice");
    let by_upn: Value = get(&env, &token, &format!("/v1.0/users/{ALICE}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(by_upn["id"], alice.id.to_string());
    assert!(by_upn["@odata.context"]
        .as_str()
        .expect("ctx")
        .ends_with("$metadata#users/$entity"));
    let path = format!(
        "/v1.0/users/{}?$select=id,lastPasswordChangeDateTime,signInSessionsValidFromDateTime",
        alice.id
    );
    let by_id: Value = get(&env, &token, &path).await.json().await.expect("json");
    assert_eq!(by_id["id"], alice.id.to_string());
    assert!(by_id["lastPasswordChangeDateTime"].is_string());
    assert!(by_id["signInSessionsValidFromDateTime"].is_string());
    assert!(
        by_id.get("displayName").is_none(),
        "only selected properties: {by_id}"
    );
    assert_graph_error(
        get(&env, &token, &format!("/v1.0/users/{ALICE}?$select=nope")).await,
        400,
        "BadRequest",
    )
    .await;
}

#[tokio::test]
async fn unknown_user_is_404_with_the_real_message() {
    let env = demo().await;
    let token = env.demo_token().await;
    let response = env
        .graph(
            Method::GET,
            "/v1.0/users/ghost@contoso.onmicrosoft.com",
            &token,
        )
        .header("client-request-id", "my-id")
        .send()
        .await
        .expect("get");
    assert_eq!(response.headers()["client-request-id"], "my-id");
    let body = assert_graph_error(response, 404, "Request_ResourceNotFound").await;
    assert_eq!(
        body["error"]["message"],
        "Resource 'ghost@contoso.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present."
    );
    assert_eq!(body["error"]["innerError"]["client-request-id"], "my-id");
}

#[tokio::test]
async fn missing_garbage_and_forged_tokens_are_401() {
    let env = demo().await;
    let response = env
        .http
        .get(env.url("/v1.0/users"))
        .send()
        .await
        .expect("get");
    assert!(response.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .starts_with("Bearer"));
    assert_graph_error(response, 401, "InvalidAuthenticationToken").await;
    let response = get(&env, "garbage", "/v1.0/users").await;
    assert!(response.headers().contains_key("www-authenticate"));
    assert_graph_error(response, 401, "InvalidAuthenticationToken").await;
    let forged = "eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.c2lnbmF0dXJl";
    assert_graph_error(
        get(&env, forged, "/v1.0/users").await,
        401,
        "InvalidAuthenticationToken",
    )
    .await;
}

#[tokio::test]
async fn expired_token_is_401() {
    let env = demo().await;
    let token = env.demo_token().await;
    assert_eq!(get(&env, &token, "/v1.0/users").await.status(), 200);
    env.emu.state().advance_clock(Duration::from_secs(3600));
    let body = assert_graph_error(
        get(&env, &token, "/v1.0/users").await,
        401,
        "InvalidAuthenticationToken",
    )
    .await;
    assert!(body["error"]["message"]
        .as_str()
        .expect("msg")
        .contains("expired"));
}

#[tokio::test]
async fn a_short_token_lifetime_is_honoured() {
    let env = start(EmulatorConfig {
        token_lifetime: Duration::from_secs(1),
        ..EmulatorConfig::default()
    })
    .await;
    let token = env.demo_token().await;
    // Past the configured 1 s lifetime, far short of the default hour.
    env.emu.state().advance_clock(Duration::from_secs(2));
    assert_graph_error(
        get(&env, &token, "/v1.0/users").await,
        401,
        "InvalidAuthenticationToken",
    )
    .await;
}

#[tokio::test]
async fn delegated_user_token_cannot_list_users_without_scope() {
    let env = demo().await;
    let body: Value = env
        .ropc(
            ALICE,
            entra_emulator::DEMO_USER_PASSWORD,
            "https://graph.microsoft.com/User.Read",
        )
        .await
        .json()
        .await
        .expect("json");
    let token = body["access_token"].as_str().expect("token");
    assert_graph_error(
        get(&env, token, "/v1.0/users").await,
        403,
        "Authorization_RequestDenied",
    )
    .await;
}

#[tokio::test]
async fn listing_needs_a_read_permission() {
    let env = demo().await;
    env.add_app(
        "66666666-6666-6666-6666-666666666666",
        &["User.RevokeSessions.All"],
        &["User Administrator"],
    );
    let token = env
        .token_for("66666666-6666-6666-6666-666666666666", "s3cret")
        .await;
    let body = assert_graph_error(
        get(&env, &token, "/v1.0/users").await,
        403,
        "Authorization_RequestDenied",
    )
    .await;
    assert_eq!(
        body["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
}

#[tokio::test]
async fn unknown_segments_and_methods_get_graphs_error_envelope() {
    let env = demo().await;
    let token = env.demo_token().await;
    let unknown = get(&env, &token, "/v1.0/usres").await;
    let body = assert_graph_error(unknown, 400, "BadRequest").await;
    assert_eq!(
        body["error"]["message"],
        "Resource not found for the segment 'usres'."
    );
    let method = env
        .graph(Method::PUT, "/v1.0/users", &token)
        .send()
        .await
        .expect("put");
    assert_graph_error(method, 405, "Request_BadRequest").await;
}

#[tokio::test]
async fn users_count_is_plain_text_and_needs_consistency_level() {
    let env = demo().await;
    let token = env.demo_token().await;
    let without = get(&env, &token, "/v1.0/users/$count").await;
    assert_graph_error(without, 400, "Request_UnsupportedQuery").await;
    let count = |query: &'static str| {
        let request = env
            .graph(Method::GET, &format!("/v1.0/users/$count{query}"), &token)
            .header("ConsistencyLevel", "eventual");
        async move {
            let response = request.send().await.expect("count");
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["content-type"], "text/plain");
            response.text().await.expect("text")
        }
    };
    assert_eq!(count("").await, "6");
    assert_eq!(
        count("?$filter=startswith(userPrincipalName,'a')").await,
        "2"
    );
}
