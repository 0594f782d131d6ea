//! Operational behaviour: throttling, injected faults, the request log and the admin API.

mod helpers;

use entra_emulator::{EmulatorConfig, FaultConfig, RequestKind, ThrottleConfig};
use helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const GOOD: &str = "Leased-Pa55word-Xy7!";

#[tokio::test]
async fn sixth_write_in_a_bucket_of_five_is_throttled() {
    // 5 writes per 60 s: wide enough that refill during the test cannot hide the limit.
    let throttle = ThrottleConfig {
        enabled: true,
        writes: 5,
        per: Duration::from_secs(60),
    };
    let env = start(EmulatorConfig {
        throttle,
        ..EmulatorConfig::default()
    })
    .await;
    let token = env.demo_token().await;
    for _ in 0..5 {
        assert_eq!(env.reset_password(&token, ALICE, GOOD).await.status(), 204);
    }
    let response = env
        .graph(
            Method::POST,
            &format!("/v1.0/users/{ALICE}/revokeSignInSessions"),
            &token,
        )
        .send()
        .await
        .expect("revoke");
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("secs");
    assert!(retry_after >= 1);
    assert_eq!(
        response.headers()["x-ms-throttle-information"],
        "WriteLimitExceeded"
    );
    assert_eq!(
        response.headers()["x-ms-throttle-scope"],
        format!("Tenant_Application/Write/{CLIENT}/{TENANT}").as_str(),
        "scope, limit, application, tenant: Graph's documented order"
    );
    assert_graph_error(response, 429, "TooManyRequests").await;

    let logged = env.emu.state().request_log();
    let last = logged.last().expect("logged");
    assert_eq!(
        (last.status, last.retry_after, last.kind),
        (429, Some(retry_after), RequestKind::Graph)
    );

    // Reads are not writes.
    assert_eq!(
        env.graph(Method::GET, "/v1.0/users", &token)
            .send()
            .await
            .expect("get")
            .status(),
        200
    );
    // Once the advertised wait has passed, a write goes through again.
    env.emu
        .state()
        .advance_clock(Duration::from_secs(retry_after));
    assert_eq!(env.reset_password(&token, ALICE, GOOD).await.status(), 204);
}

#[tokio::test]
async fn throttle_can_be_changed_at_runtime() {
    let env = demo().await;
    env.emu.state().set_throttle(ThrottleConfig {
        enabled: true,
        writes: 1,
        per: Duration::from_secs(100),
    });
    let token = env.demo_token().await;
    assert_eq!(env.reset_password(&token, ALICE, GOOD).await.status(), 204);
    let response = env.reset_password(&token, ALICE, GOOD).await;
    assert_eq!(response.status(), 429);
    assert_eq!(
        response.headers()["retry-after"],
        "200",
        "an early retry also costs a token"
    );
}

#[tokio::test]
async fn error_rate_one_answers_every_graph_request_503_or_504() {
    let faults = FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    };
    let env = start(EmulatorConfig {
        faults,
        ..EmulatorConfig::default()
    })
    .await;
    let token = env.demo_token().await;
    for _ in 0..10 {
        let response = env
            .graph(Method::GET, "/v1.0/users", &token)
            .send()
            .await
            .expect("get");
        let status = response.status().as_u16();
        assert!(status == 503 || status == 504, "{status}");
        if status == 503 {
            assert_eq!(response.headers()["retry-after"], "1");
            assert_graph_error(response, 503, "serviceNotAvailable").await;
        }
    }
    // The admin API and the token endpoint are never faulted.
    assert_eq!(
        env.http
            .get(env.url("/_emulator/health"))
            .send()
            .await
            .expect("health")
            .status(),
        200
    );
    env.emu.state().set_faults(FaultConfig::default());
    assert_eq!(
        env.graph(Method::GET, "/v1.0/users", &token)
            .send()
            .await
            .expect("get")
            .status(),
        200
    );
}

#[tokio::test(start_paused = true)]
async fn timeouts_hang_thirty_seconds_then_504() {
    let env = start(EmulatorConfig {
        faults: FaultConfig {
            timeout_rate: 1.0,
            ..FaultConfig::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let token = env.demo_token().await;
    let started = tokio::time::Instant::now();
    let response = env
        .graph(Method::GET, "/v1.0/users", &token)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 504);
    assert!(started.elapsed() >= Duration::from_secs(30));
}

#[tokio::test]
async fn request_log_records_kinds_statuses_and_callers() {
    let env = demo().await;
    let token = env.demo_token().await;
    env.graph(
        Method::GET,
        "/v1.0/users/ghost@contoso.onmicrosoft.com",
        &token,
    )
    .send()
    .await
    .expect("get");
    env.http
        .get(env.url(&format!("/{TENANT}/v2.0/.well-known/openid-configuration")))
        .send()
        .await
        .expect("oidc");
    env.http
        .get(env.url("/_emulator/requests"))
        .send()
        .await
        .expect("admin");
    let log = env.emu.state().request_log();
    let summary: Vec<(RequestKind, u16)> = log.iter().map(|r| (r.kind, r.status)).collect();
    assert_eq!(
        summary,
        vec![
            (RequestKind::Token, 200),
            (RequestKind::Graph, 404),
            (RequestKind::Oidc, 200),
            (RequestKind::Admin, 200)
        ]
    );
    assert_eq!(log[0].client_id.as_deref(), Some(CLIENT));
    assert_eq!(log[1].client_id.as_deref(), Some(CLIENT));
    assert_eq!(log[1].tenant.as_deref(), Some(TENANT));
    assert_eq!(log[1].method, "GET");
    env.emu.state().clear_request_log();
    assert!(env.emu.state().request_log().is_empty());
}

#[tokio::test]
async fn admin_api_controls_the_emulator() {
    let env = demo().await;
    let admin = |p: &str| env.url(&format!("/_emulator{p}"));
    let created = env.http.post(admin(&format!("/users/{TENANT}"))).json(&json!({"user_principal_name": "gina@contoso.onmicrosoft.com", "display_name": "Gina", "password": "Gina-Passw0rd!"})).send().await.expect("post");
    assert_eq!(created.status(), 201);
    let view: Value = env
        .http
        .get(admin(&format!(
            "/users/{TENANT}/gina@contoso.onmicrosoft.com"
        )))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(view["display_name"], "Gina");
    assert!(view.get("password").is_none());
    assert_eq!(
        view["password_hash"],
        entra_emulator::password_hash("Gina-Passw0rd!")
    );
    let users: Vec<Value> = env
        .http
        .get(admin(&format!("/users/{TENANT}")))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(users.len(), 7);
    assert_eq!(
        env.http
            .get(admin("/users/nope.example"))
            .send()
            .await
            .expect("list")
            .status(),
        404
    );
    let duplicate = env
        .http
        .post(admin(&format!("/users/{TENANT}")))
        .json(&json!({"user_principal_name": "gina@contoso.onmicrosoft.com"}))
        .send()
        .await
        .expect("post");
    assert_eq!(duplicate.status(), 409);

    let disabled = env
        .http
        .patch(admin(&format!(
            "/users/{TENANT}/gina@contoso.onmicrosoft.com"
        )))
        .json(&json!({"account_enabled": false}))
        .send()
        .await
        .expect("patch");
    assert_eq!(disabled.status(), 204);
    assert!(
        !env.emu
            .state()
            .user(TENANT, "gina@contoso.onmicrosoft.com")
            .expect("gina")
            .account_enabled
    );

    let app = env.http.post(admin(&format!("/apps/{TENANT}"))).json(&json!({"client_id": "abababab-0000-0000-0000-000000000000", "secrets": [{"value": "x"}], "permissions": ["User.Read.All"]})).send().await.expect("app");
    assert_eq!(app.status(), 201);
    env.token_for("abababab-0000-0000-0000-000000000000", "x")
        .await;

    let put = env
        .http
        .put(admin("/faults"))
        .json(&json!({"error_rate": 0.5, "latency": "10ms"}))
        .send()
        .await
        .expect("faults");
    assert_eq!(put.status(), 204);
    assert_eq!(
        env.emu.state().faults(),
        FaultConfig {
            error_rate: 0.5,
            latency: Duration::from_millis(10),
            timeout_rate: 0.0
        }
    );
    let put = env
        .http
        .put(admin("/throttle"))
        .json(&json!({"writes": 10, "per": 5}))
        .send()
        .await
        .expect("throttle");
    assert_eq!(put.status(), 204);
    assert_eq!(
        env.emu.state().throttle(),
        ThrottleConfig {
            enabled: true,
            writes: 10,
            per: Duration::from_secs(5)
        }
    );
    let put = env
        .http
        .put(admin("/replication-lag"))
        .json(&json!({"duration": "2s"}))
        .send()
        .await
        .expect("lag");
    assert_eq!(put.status(), 204);
    assert_eq!(env.emu.state().replication_lag(), Duration::from_secs(2));
    let before = env.emu.state().now();
    env.http
        .post(admin("/clock/advance"))
        .json(&json!({"duration": "1h"}))
        .send()
        .await
        .expect("advance");
    assert!(env.emu.state().now() - before >= chrono::TimeDelta::hours(1));

    let deleted = env
        .http
        .delete(admin(&format!(
            "/users/{TENANT}/gina@contoso.onmicrosoft.com"
        )))
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), 204);
    let log: Vec<Value> = env
        .http
        .get(admin("/requests"))
        .send()
        .await
        .expect("log")
        .json()
        .await
        .expect("json");
    assert!(log.iter().all(|r| r["kind"].is_string()));
    assert_eq!(
        env.http
            .delete(admin("/requests"))
            .send()
            .await
            .expect("clear")
            .status(),
        204
    );
}
