//! The token endpoint: client credentials and every documented error row.

mod helpers;

use base64::Engine;
use chrono::{TimeDelta, Utc};
use entra_emulator::{AppSeed, ClientSecretSeed, EmulatorConfig};
use helpers::*;
use serde_json::Value;

#[tokio::test]
async fn client_credentials_success_shape() {
    let env = demo().await;
    let response = env
        .client_credentials(CLIENT, SECRET, &env.graph_scope())
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store, no-cache");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    let token = body["access_token"].as_str().expect("token");
    assert_eq!(token.split('.').count(), 3);
    let payload = token.split('.').nth(1).expect("payload");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("b64"),
    )
    .expect("claims");
    assert_eq!(claims["tid"], TENANT);
    assert_eq!(claims["appid"], CLIENT);
    assert_eq!(claims["aud"], env.emu.base_url());
    assert!(claims["exp"].as_i64() > claims["iat"].as_i64());
}

#[tokio::test]
async fn public_graph_scope_domain_tenant_and_unknown_fields_are_accepted() {
    let env = demo().await;
    let response = env
        .http
        .post(env.url("/contoso.onmicrosoft.com/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_info", "1"),
            ("claims", "{}"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn client_credentials_via_http_basic() {
    let env = demo().await;
    let response = env
        .http
        .post(env.url(&format!("/{TENANT}/oauth2/v2.0/token")))
        .basic_auth(CLIENT, Some(SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", &env.graph_scope()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn wrong_secret_is_401_invalid_client_7000215() {
    let env = demo().await;
    let response = env
        .client_credentials(CLIENT, "wrong", &env.graph_scope())
        .await;
    assert_aad_error(response, 401, "invalid_client", 7000215).await;
}

#[tokio::test]
async fn expired_secret_is_401_invalid_client_7000222() {
    let env = demo().await;
    let expired = "33333333-3333-3333-3333-333333333333";
    env.emu
        .state()
        .add_app(
            TENANT,
            AppSeed {
                client_id: expired.parse().expect("uuid"),
                display_name: "old".into(),
                secrets: vec![ClientSecretSeed {
                    value: "old-secret".into(),
                    expires_at: Some(Utc::now() - TimeDelta::days(1)),
                }],
                permissions: vec![],
                directory_roles: vec![],
                ..Default::default()
            },
        )
        .expect("add app");
    let response = env
        .client_credentials(expired, "old-secret", &env.graph_scope())
        .await;
    assert_aad_error(response, 401, "invalid_client", 7000222).await;
}

#[tokio::test]
async fn missing_secret_is_401_invalid_client_7000218() {
    let env = demo().await;
    let response = env
        .http
        .post(env.url(&format!("/{TENANT}/oauth2/v2.0/token")))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("scope", &env.graph_scope()),
        ])
        .send()
        .await
        .expect("send");
    assert_aad_error(response, 401, "invalid_client", 7000218).await;
}

#[tokio::test]
async fn unknown_app_is_400_unauthorized_client_700016() {
    let env = demo().await;
    let response = env
        .client_credentials(
            "99999999-9999-9999-9999-999999999999",
            SECRET,
            &env.graph_scope(),
        )
        .await;
    assert_aad_error(response, 400, "unauthorized_client", 700016).await;
}

#[tokio::test]
async fn unknown_tenant_is_400_invalid_tenant_90002() {
    let env = demo().await;
    let response = env
        .http
        .post(env.url("/44444444-4444-4444-4444-444444444444/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", &env.graph_scope()),
        ])
        .send()
        .await
        .expect("send");
    assert_aad_error(response, 400, "invalid_tenant", 90002).await;
}

#[tokio::test]
async fn bad_and_multi_resource_scopes_are_400_invalid_scope_70011() {
    let env = demo().await;
    let graph = env.graph_scope();
    for scope in [
        "https://management.azure.com/.default".to_string(),
        format!("{graph} https://graph.microsoft.com/.default"),
        env.emu.base_url().to_string(),
        format!("{}/User.Read.All", env.emu.base_url()),
    ] {
        let response = env.client_credentials(CLIENT, SECRET, &scope).await;
        assert_aad_error(response, 400, "invalid_scope", 70011).await;
    }
}

#[tokio::test]
async fn correlation_id_echoes_client_request_id() {
    let env = demo().await;
    let response = env
        .http
        .post(env.url(&format!("/{TENANT}/oauth2/v2.0/token")))
        .header("client-request-id", "abc-123")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", "nope"),
            ("scope", &env.graph_scope()),
        ])
        .send()
        .await
        .expect("send");
    let body = assert_aad_error(response, 401, "invalid_client", 7000215).await;
    assert_eq!(body["correlation_id"], "abc-123");
}

#[tokio::test]
async fn missing_grant_type_and_unsupported_grant() {
    let env = demo().await;
    let url = env.url(&format!("/{TENANT}/oauth2/v2.0/token"));
    let response = env
        .http
        .post(&url)
        .form(&[("client_id", CLIENT)])
        .send()
        .await
        .expect("send");
    assert_aad_error(response, 400, "invalid_request", 900144).await;
    let response = env
        .http
        .post(&url)
        .form(&[("grant_type", "magic")])
        .send()
        .await
        .expect("send");
    assert_aad_error(response, 400, "unsupported_grant_type", 70003).await;
}

#[tokio::test]
async fn custom_token_lifetime_is_reported() {
    let env = start(EmulatorConfig {
        token_lifetime: std::time::Duration::from_secs(60),
        ..EmulatorConfig::default()
    })
    .await;
    let body: Value = env
        .client_credentials(CLIENT, SECRET, &env.graph_scope())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["expires_in"], 60);
}
