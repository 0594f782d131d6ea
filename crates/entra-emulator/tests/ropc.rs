//! Resource-owner password sign-ins, refresh tokens, lockout, lag and revocation.

mod helpers;

use base64::Engine;
use entra_emulator::{EmulatorConfig, UserSeed, DEMO_USER_PASSWORD, LOCKOUT_THRESHOLD};
use helpers::*;
use serde_json::Value;
use std::time::Duration;

const NEW_PASSWORD: &str = "Leased-Pa55word-Xy7!";

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("b64"),
    )
    .expect("json")
}

#[tokio::test]
async fn ropc_success_with_offline_access_returns_refresh_and_id_token() {
    let env = demo().await;
    let response = env
        .ropc(
            ALICE,
            DEMO_USER_PASSWORD,
            "openid offline_access https://graph.microsoft.com/User.Read",
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["access_token"].is_string());
    assert!(body["refresh_token"].is_string());
    let id = claims(body["id_token"].as_str().expect("id_token"));
    assert_eq!(id["aud"], CLIENT);
    assert_eq!(id["preferred_username"], ALICE);
}

#[tokio::test]
async fn ropc_without_offline_access_has_no_refresh_token() {
    let env = demo().await;
    let body: Value = env
        .ropc(
            ALICE,
            DEMO_USER_PASSWORD,
            "https://graph.microsoft.com/.default",
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(body["access_token"].is_string());
    assert!(body.get("refresh_token").is_none());
}

#[tokio::test]
async fn ropc_errors() {
    let env = demo().await;
    let scope = "openid";
    assert_aad_error(
        env.ropc(ALICE, "Wrong-Passw0rd!", scope).await,
        400,
        "invalid_grant",
        50126,
    )
    .await;
    assert_aad_error(
        env.ropc("nobody@contoso.onmicrosoft.com", "x", scope).await,
        400,
        "invalid_grant",
        50034,
    )
    .await;
    env.emu
        .state()
        .set_user_enabled(TENANT, "bob@contoso.onmicrosoft.com", false)
        .expect("disable");
    assert_aad_error(
        env.ropc("bob@contoso.onmicrosoft.com", DEMO_USER_PASSWORD, scope)
            .await,
        400,
        "invalid_grant",
        50057,
    )
    .await;
}

#[tokio::test]
async fn ropc_on_common_or_consumers_is_rejected() {
    let env = demo().await;
    for tenant in ["common", "consumers"] {
        let response = env
            .http
            .post(env.url(&format!("/{tenant}/oauth2/v2.0/token")))
            .form(&[
                ("grant_type", "password"),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
                ("username", ALICE),
                ("password", DEMO_USER_PASSWORD),
                ("scope", "openid"),
            ])
            .send()
            .await
            .expect("send");
        assert_aad_error(response, 400, "invalid_request", 9001023).await;
    }
    let response = env
        .http
        .post(env.url("/organizations/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("username", ALICE),
            ("password", DEMO_USER_PASSWORD),
            ("scope", "openid"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn smart_lockout_after_ten_failures_until_password_reset() {
    let env = demo().await;
    for _ in 0..LOCKOUT_THRESHOLD {
        assert_aad_error(
            env.ropc(ALICE, "Wrong-Passw0rd!", "openid").await,
            400,
            "invalid_grant",
            50126,
        )
        .await;
    }
    assert_aad_error(
        env.ropc(ALICE, DEMO_USER_PASSWORD, "openid").await,
        400,
        "invalid_grant",
        50053,
    )
    .await;
    assert!(
        env.emu
            .state()
            .user(TENANT, ALICE)
            .expect("alice")
            .locked_out
    );
    let token = env.demo_token().await;
    assert_eq!(
        env.reset_password(&token, ALICE, NEW_PASSWORD)
            .await
            .status(),
        204
    );
    assert_eq!(env.ropc(ALICE, NEW_PASSWORD, "openid").await.status(), 200);
}

#[tokio::test]
async fn reset_password_then_new_works_and_old_fails() {
    let env = demo().await;
    let token = env.demo_token().await;
    let before = env.emu.state().user(TENANT, ALICE).expect("alice");
    let response = env.reset_password(&token, ALICE, NEW_PASSWORD).await;
    assert_eq!(response.status(), 204);
    assert!(response.bytes().await.expect("body").is_empty());
    let after = env.emu.state().user(TENANT, ALICE).expect("alice");
    assert!(after.last_password_change > before.last_password_change);
    assert_eq!(
        after.password_hash.as_deref(),
        Some(entra_emulator::password_hash(NEW_PASSWORD).as_str())
    );
    assert_eq!(env.ropc(ALICE, NEW_PASSWORD, "openid").await.status(), 200);
    assert_aad_error(
        env.ropc(ALICE, DEMO_USER_PASSWORD, "openid").await,
        400,
        "invalid_grant",
        50126,
    )
    .await;
}

#[tokio::test]
async fn force_change_at_next_sign_in_gives_50055() {
    let env = demo().await;
    let token = env.demo_token().await;
    let response = env
        .graph(reqwest::Method::PATCH, &format!("/v1.0/users/{ALICE}"), &token)
        .json(&serde_json::json!({"passwordProfile": {"forceChangePasswordNextSignIn": true, "password": NEW_PASSWORD}}))
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), 204);
    assert_aad_error(
        env.ropc(ALICE, NEW_PASSWORD, "openid").await,
        400,
        "invalid_grant",
        50055,
    )
    .await;
}

#[tokio::test]
async fn replication_lag_delays_the_new_password() {
    let env = start(EmulatorConfig {
        replication_lag: Duration::from_secs(30),
        ..EmulatorConfig::default()
    })
    .await;
    let token = env.demo_token().await;
    assert_eq!(
        env.reset_password(&token, ALICE, NEW_PASSWORD)
            .await
            .status(),
        204
    );
    assert_aad_error(
        env.ropc(ALICE, NEW_PASSWORD, "openid").await,
        400,
        "invalid_grant",
        50126,
    )
    .await;
    assert_eq!(
        env.ropc(ALICE, DEMO_USER_PASSWORD, "openid").await.status(),
        200
    );
    env.emu.state().advance_clock(Duration::from_secs(31));
    assert_eq!(env.ropc(ALICE, NEW_PASSWORD, "openid").await.status(), 200);
    assert_aad_error(
        env.ropc(ALICE, DEMO_USER_PASSWORD, "openid").await,
        400,
        "invalid_grant",
        50126,
    )
    .await;
}

#[tokio::test]
async fn replication_lag_set_at_runtime_passes_with_the_clock() {
    let env = demo().await;
    env.emu
        .state()
        .set_replication_lag(Duration::from_millis(200));
    let token = env.demo_token().await;
    assert_eq!(
        env.reset_password(&token, ALICE, NEW_PASSWORD)
            .await
            .status(),
        204
    );
    assert_aad_error(
        env.ropc(ALICE, NEW_PASSWORD, "openid").await,
        400,
        "invalid_grant",
        50126,
    )
    .await;
    // Let the emulator's clock pass the lag (sign-in attempts are not used to wait:
    // each failure counts towards smart lockout).
    env.emu.state().advance_clock(Duration::from_millis(200));
    assert_eq!(env.ropc(ALICE, NEW_PASSWORD, "openid").await.status(), 200);
}

async fn refresh(env: &Env, refresh_token: &str) -> reqwest::Response {
    env.http
        .post(env.url(&format!("/{TENANT}/oauth2/v2.0/token")))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .expect("refresh")
}

#[tokio::test]
async fn refresh_token_works_until_sessions_are_revoked() {
    let env = demo().await;
    let body: Value = env
        .ropc(ALICE, DEMO_USER_PASSWORD, "openid offline_access")
        .await
        .json()
        .await
        .expect("json");
    let rt = body["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_string();
    let refreshed = refresh(&env, &rt).await;
    assert_eq!(refreshed.status(), 200);
    let refreshed: Value = refreshed.json().await.expect("json");
    assert!(refreshed["refresh_token"].is_string());

    let token = env.demo_token().await;
    let revoke = env
        .graph(
            reqwest::Method::POST,
            &format!("/v1.0/users/{ALICE}/revokeSignInSessions"),
            &token,
        )
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoke.status(), 200);
    let revoke: Value = revoke.json().await.expect("json");
    assert_eq!(revoke["value"], true);
    assert_eq!(
        revoke["@odata.context"],
        format!("{}/v1.0/$metadata#Edm.Boolean", env.emu.base_url()),
        "on the emulator's own base URL, like its other answers"
    );

    assert_aad_error(refresh(&env, &rt).await, 400, "invalid_grant", 50173).await;
    // A fresh sign-in after the revocation yields a working refresh token again.
    let body: Value = env
        .ropc(ALICE, DEMO_USER_PASSWORD, "openid offline_access")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        refresh(&env, body["refresh_token"].as_str().expect("rt"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn refresh_token_dies_on_password_reset() {
    let env = demo().await;
    let body: Value = env
        .ropc(ALICE, DEMO_USER_PASSWORD, "offline_access")
        .await
        .json()
        .await
        .expect("json");
    let rt = body["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_string();
    let token = env.demo_token().await;
    assert_eq!(
        env.reset_password(&token, ALICE, NEW_PASSWORD)
            .await
            .status(),
        204
    );
    assert_aad_error(refresh(&env, &rt).await, 400, "invalid_grant", 50173).await;
    assert_aad_error(
        refresh(&env, "garbage").await,
        400,
        "invalid_grant",
        9002313,
    )
    .await;
}

#[tokio::test]
async fn public_client_needs_no_secret_but_confidential_does() {
    let env = demo().await;
    env.emu
        .state()
        .add_app(
            TENANT,
            entra_emulator::AppSeed {
                client_id: "55555555-5555-5555-5555-555555555555"
                    .parse()
                    .expect("uuid"),
                display_name: "cli".into(),
                ..Default::default()
            },
        )
        .expect("app");
    env.emu
        .state()
        .add_user(
            TENANT,
            UserSeed::new(
                "zed",
                "contoso.onmicrosoft.com",
                "Zed",
                Some("Zed-Passw0rd!"),
            ),
        )
        .expect("user");
    let form = |client: &'static str| {
        vec![
            ("grant_type", "password"),
            ("client_id", client),
            ("username", "zed@contoso.onmicrosoft.com"),
            ("password", "Zed-Passw0rd!"),
            ("scope", "openid"),
        ]
    };
    let url = env.url(&format!("/{TENANT}/oauth2/v2.0/token"));
    let public = env
        .http
        .post(&url)
        .form(&form("55555555-5555-5555-5555-555555555555"))
        .send()
        .await
        .expect("send");
    assert_eq!(public.status(), 200);
    let confidential = env
        .http
        .post(&url)
        .form(&form(CLIENT))
        .send()
        .await
        .expect("send");
    assert_aad_error(confidential, 401, "invalid_client", 7000218).await;
}
