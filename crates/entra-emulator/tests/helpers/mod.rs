//! Shared set-up for the emulator's integration suites: start an emulator on port 0 and
//! talk to it with reqwest.
#![allow(dead_code)]

use entra_emulator::{
    AppSeed, ClientSecretSeed, Emulator, EmulatorConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
    DEMO_TENANT_ID,
};
use serde_json::Value;

pub const TENANT: &str = DEMO_TENANT_ID;
pub const CLIENT: &str = DEMO_CLIENT_ID;
pub const SECRET: &str = DEMO_CLIENT_SECRET;
pub const ALICE: &str = "alice@contoso.onmicrosoft.com";
pub const ADMIN: &str = "admin@contoso.onmicrosoft.com";

/// A running emulator and a client for it.
pub struct Env {
    pub emu: Emulator,
    pub http: reqwest::Client,
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.emu.base_url(), path)
    }

    pub fn graph_scope(&self) -> String {
        format!("{}/.default", self.emu.base_url())
    }

    /// Raw client-credentials request.
    pub async fn client_credentials(
        &self,
        client_id: &str,
        secret: &str,
        scope: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/{TENANT}/oauth2/v2.0/token")))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
                ("scope", scope),
            ])
            .send()
            .await
            .expect("token request")
    }

    /// An app token for `client_id` (must succeed).
    pub async fn token_for(&self, client_id: &str, secret: &str) -> String {
        let response = self
            .client_credentials(client_id, secret, &self.graph_scope())
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// The demo app's token.
    pub async fn demo_token(&self) -> String {
        self.token_for(CLIENT, SECRET).await
    }

    /// A ROPC sign-in as `username`.
    pub async fn ropc(&self, username: &str, password: &str, scope: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/{TENANT}/oauth2/v2.0/token")))
            .form(&[
                ("grant_type", "password"),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
                ("username", username),
                ("password", password),
                ("scope", scope),
            ])
            .send()
            .await
            .expect("ropc request")
    }

    /// A Graph request with a bearer token.
    pub fn graph(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path)).bearer_auth(token)
    }

    /// Resets a password through Graph and returns the status.
    pub async fn reset_password(
        &self,
        token: &str,
        user: &str,
        password: &str,
    ) -> reqwest::Response {
        self.graph(reqwest::Method::PATCH, &format!("/v1.0/users/{user}"), token)
            .json(&serde_json::json!({"passwordProfile": {"forceChangePasswordNextSignIn": false, "password": password}}))
            .send()
            .await
            .expect("patch")
    }

    /// Registers an extra app in the demo tenant with a secret and the given grants.
    pub fn add_app(&self, client_id: &str, permissions: &[&str], roles: &[&str]) {
        self.emu
            .state()
            .add_app(
                TENANT,
                AppSeed {
                    client_id: client_id.parse().expect("uuid"),
                    display_name: "test app".into(),
                    secrets: vec![ClientSecretSeed {
                        value: "s3cret".into(),
                        expires_at: None,
                    }],
                    permissions: permissions.iter().map(|p| p.to_string()).collect(),
                    directory_roles: roles.iter().map(|r| r.to_string()).collect(),
                    ..Default::default()
                },
            )
            .expect("add app");
    }
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

pub async fn start(config: EmulatorConfig) -> Env {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let emu = Emulator::start(config, listener).await.expect("start");
    Env {
        emu,
        http: client(),
    }
}

pub async fn demo() -> Env {
    start(EmulatorConfig::default()).await
}

/// Asserts an Entra token error: status, `error`, code, and every envelope field.
pub async fn assert_aad_error(
    response: reqwest::Response,
    status: u16,
    error: &str,
    code: u64,
) -> Value {
    assert_eq!(response.status(), status, "status");
    let body: Value = response.json().await.expect("json error body");
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], serde_json::json!([code]), "{body}");
    let description = body["error_description"].as_str().expect("description");
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    assert!(description.contains("\r\nTrace ID: "), "{description}");
    assert!(
        description.contains("\r\nCorrelation ID: "),
        "{description}"
    );
    assert!(description.contains("\r\nTimestamp: "), "{description}");
    for field in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body[field].is_string(), "missing {field} in {body}");
    }
    body
}

/// Asserts a Graph error envelope and its request-id headers.
pub async fn assert_graph_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    assert!(response.headers().contains_key("request-id"));
    assert!(response.headers().contains_key("client-request-id"));
    let body: Value = response.json().await.expect("json error body");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string());
    for field in ["date", "request-id", "client-request-id"] {
        assert!(
            body["error"]["innerError"][field].is_string(),
            "missing {field} in {body}"
        );
    }
    body
}
