//! Spawns an emulator on a fresh port and a client pointed at it.
#![allow(dead_code, unused_imports)] // each test binary uses a different part of the helpers

use entra_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use leasehold_graph::{CloudEndpoints, Credentials, GraphClient, GraphConfig};
use secrecy::SecretString;
use std::time::Duration;

pub use entra_emulator::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID, DEMO_USER_PASSWORD};

/// Demo user ids from `Seed::demo()`.
pub const ALICE_ID: &str = "aaaaaaaa-0000-4000-8000-000000000001";
pub const ALICE_UPN: &str = "alice@contoso.onmicrosoft.com";
pub const ADMIN_ID: &str = "aaaaaaaa-0000-4000-8000-0000000000ad";

/// A running emulator and a client for it.
pub struct TestEnv {
    pub emulator: Emulator,
    pub client: GraphClient,
    pub creds: Credentials,
}

impl TestEnv {
    /// The emulator's in-process control handle.
    pub fn state(&self) -> EmulatorHandle {
        self.emulator.state()
    }

    /// The emulator's base URL.
    pub fn base_url(&self) -> String {
        self.emulator.base_url().to_string()
    }

    /// Credentials for the demo tenant with a different app id or secret.
    pub fn creds_with(&self, tenant: &str, client_id: &str, secret: &str) -> Credentials {
        credentials(&self.base_url(), tenant, client_id, secret)
    }
}

pub fn credentials(base_url: &str, tenant: &str, client_id: &str, secret: &str) -> Credentials {
    Credentials::new(
        tenant,
        client_id,
        SecretString::from(secret.to_string()),
        CloudEndpoints::custom(base_url, base_url),
    )
}

/// Client settings for tests: short per-request timeout, generous retry budget.
pub fn test_config() -> GraphConfig {
    GraphConfig {
        request_timeout: Duration::from_secs(5),
        retry_deadline: Duration::from_secs(60),
        max_attempts: 30,
        ..GraphConfig::default()
    }
}

/// Starts an emulator with `config` and a client with `graph_config`.
pub async fn spawn_with(config: EmulatorConfig, graph_config: GraphConfig) -> TestEnv {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let emulator = Emulator::start(config, listener)
        .await
        .expect("emulator starts");
    let client = GraphClient::new(graph_config).expect("client builds");
    let base = emulator.base_url().to_string();
    let creds = credentials(&base, DEMO_TENANT_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
    TestEnv {
        emulator,
        client,
        creds,
    }
}

/// Demo seed, throttling off, default client settings for tests.
pub async fn spawn() -> TestEnv {
    let mut config = EmulatorConfig::default();
    config.throttle.enabled = false;
    spawn_with(config, test_config()).await
}

/// Signs `username` in with ROPC at the emulator; returns the JSON body and the status.
pub async fn ropc(
    env: &TestEnv,
    username: &str,
    password: &str,
    scope: &str,
) -> (u16, serde_json::Value) {
    token_form(
        env,
        &[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("scope", scope),
        ],
    )
    .await
}

/// Redeems a refresh token at the emulator.
pub async fn refresh(env: &TestEnv, refresh_token: &str) -> (u16, serde_json::Value) {
    token_form(
        env,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
        ],
    )
    .await
}

async fn token_form(env: &TestEnv, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let url = format!("{}/{}/oauth2/v2.0/token", env.base_url(), DEMO_TENANT_ID);
    let response = reqwest::Client::new()
        .post(url)
        .form(form)
        .send()
        .await
        .expect("token endpoint answers");
    let status = response.status().as_u16();
    let body = response.json().await.expect("token endpoint sends JSON");
    (status, body)
}

/// The first AAD error code of a token error body.
pub fn aad_code(body: &serde_json::Value) -> Option<u64> {
    body["error_codes"][0].as_u64()
}
