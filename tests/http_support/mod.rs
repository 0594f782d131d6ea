//! An engine with the HTTP API in front of it, and an emulator tenant in which
//! leasehold's API is registered (`api://leasehold`) with an application allowed to call
//! it: what an HTTP API test needs to get a real token and spend it.
#![allow(dead_code)]

pub mod browser;

use entra_emulator::{
    AppSeed, ClientSecretSeed, EmulatorConfig, RoleAssignmentSeed, UserRoleSeed, DEMO_TENANT_ID,
};
use leasehold::app::Components;
use leasehold_command::{Policy, Rule};
use leasehold_crypto::MasterKey;
use serde_json::Value;

use crate::helpers::TestApp;

/// leasehold's own app registration (the API the tokens are for).
pub const API_APP: &str = "33333333-3333-4333-8333-333333333333";
/// Its Application ID URI.
pub const API_URI: &str = "api://leasehold";
/// A CI job's application, which may lease `app-*` secrets.
pub const CI_APP: &str = "44444444-4444-4444-8444-444444444444";
/// Its client secret.
pub const CI_SECRET: &str = "ci-client-secret-value";
/// An operator's application, granted leasehold's admin role.
pub const OPS_APP: &str = "55555555-5555-4555-8555-555555555555";
/// Its client secret.
pub const OPS_SECRET: &str = "ops-client-secret-value";
/// The app role `policy.admin_roles` maps to admins.
pub const ADMIN_ROLE: &str = "Leasehold.Admin";
/// The gateway's own NATS actor.
pub const GATEWAY: &str = "http";
/// leasehold's web sign-in client (a confidential client with the gateway's callback
/// as its redirect URI).
pub const WEB_APP: &str = "66666666-6666-4666-8666-666666666666";
/// Its client secret.
pub const WEB_SECRET: &str = "web-client-secret-value";
/// The delegated scope of leasehold's API people sign in for.
pub const API_SCOPE: &str = "api://leasehold/Leasehold.Access";
/// A person allowed to lease `app-*` secrets.
pub const PERSON: &str = "dave@contoso.onmicrosoft.com";
/// A person holding leasehold's admin app role.
pub const ADMIN_PERSON: &str = "erin@contoso.onmicrosoft.com";

/// The demo tenant plus leasehold's API and the CI application.
pub fn emulator_config() -> EmulatorConfig {
    let mut config = EmulatorConfig::default();
    let apps = &mut config.seed.tenants[0].applications;
    apps.push(AppSeed {
        client_id: API_APP.parse().expect("uuid"),
        display_name: "leasehold".into(),
        identifier_uris: vec![API_URI.into()],
        role_assignments: vec![
            RoleAssignmentSeed {
                client_id: CI_APP.parse().expect("uuid"),
                roles: vec!["Leasehold.Lease".into()],
            },
            RoleAssignmentSeed {
                client_id: OPS_APP.parse().expect("uuid"),
                roles: vec![ADMIN_ROLE.into()],
            },
        ],
        user_role_assignments: vec![UserRoleSeed {
            user: ADMIN_PERSON.into(),
            roles: vec![ADMIN_ROLE.into()],
        }],
        ..AppSeed::default()
    });
    for (id, name, secret) in [(CI_APP, "ci", CI_SECRET), (OPS_APP, "ops", OPS_SECRET)] {
        apps.push(AppSeed {
            client_id: id.parse().expect("uuid"),
            display_name: name.into(),
            secrets: vec![ClientSecretSeed {
                value: secret.into(),
                expires_at: None,
            }],
            ..AppSeed::default()
        });
    }
    config
}

/// `admin` does everything; the CI application may lease `app-*`; the gateway delegates.
pub fn policy() -> Policy {
    Policy {
        admins: vec!["admin".into()],
        rules: vec![Rule {
            actors: vec![CI_APP.into(), PERSON.into()],
            ops: vec![
                "lease.*".into(),
                "secret.get".into(),
                "secret.list".into(),
                "audit.history".into(),
            ],
            secrets: vec!["app-*".into()],
        }],
        delegates: vec![GATEWAY.into()],
        admin_roles: vec![ADMIN_ROLE.into()],
    }
}

/// A running engine with the HTTP API on a free port and browser sign-in through the
/// emulator: leasehold's web client is registered with the gateway's callback.
pub async fn spawn_with_sign_in() -> (TestApp, String) {
    // The callback must be registered, so the port is chosen before the gateway binds.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let api = format!("http://127.0.0.1:{port}");
    let callback = format!("{api}/v1/auth/callback");
    let mut emulator = emulator_config();
    emulator.seed.tenants[0].applications.push(AppSeed {
        client_id: WEB_APP.parse().expect("uuid"),
        display_name: "leasehold web".into(),
        secrets: vec![ClientSecretSeed {
            value: WEB_SECRET.into(),
            expires_at: None,
        }],
        redirect_uris: vec![callback.clone()],
        ..AppSeed::default()
    });
    let components = Components {
        http: true,
        ..Components::ALL
    };
    let app = TestApp::spawn_beside(
        emulator,
        components,
        policy(),
        MasterKey::generate(),
        |config, emulator| {
            config.http_listen = Some(format!("127.0.0.1:{port}").parse().expect("addr"));
            config.http.actor = GATEWAY.into();
            config.http.authority = emulator.to_string();
            config.http.tenants = vec![DEMO_TENANT_ID.into()];
            config.http.audiences = vec![API_APP.into(), API_URI.into()];
            config.http.sign_in.client_id = WEB_APP.into();
            config.http.sign_in.client_secret = Some(leasehold::config::Hidden::new(WEB_SECRET));
            config.http.sign_in.redirect_uri = callback;
            config.http.sign_in.scopes = vec!["openid".into(), "profile".into(), API_SCOPE.into()];
        },
    )
    .await;
    (app, api)
}

/// A running engine with the HTTP API on a free port; `jwks_refresh_secs` as given.
pub async fn spawn(jwks_refresh_secs: u64) -> (TestApp, String) {
    let components = Components {
        http: true,
        ..Components::ALL
    };
    let app = TestApp::spawn_beside(
        emulator_config(),
        components,
        policy(),
        MasterKey::generate(),
        |config, emulator| {
            config.http_listen = Some("127.0.0.1:0".parse().expect("addr"));
            config.http.actor = GATEWAY.into();
            config.http.authority = emulator.to_string();
            config.http.tenants = vec![DEMO_TENANT_ID.into()];
            config.http.audiences = vec![API_APP.into(), API_URI.into()];
            config.http.actor_claim = "azp".into();
            config.http.jwks_refresh_secs = jwks_refresh_secs;
        },
    )
    .await;
    let addr = app
        .running
        .as_ref()
        .and_then(|r| r.http_addr)
        .expect("the HTTP API listens");
    (app, format!("http://{addr}"))
}

/// A client-credentials token of the CI application for leasehold's API.
pub async fn ci_token(app: &TestApp) -> String {
    token(app, CI_APP, CI_SECRET).await
}

/// A client-credentials token of `client_id` for leasehold's API.
pub async fn token(app: &TestApp, client_id: &str, secret: &str) -> String {
    let url = format!(
        "{}/{DEMO_TENANT_ID}/oauth2/v2.0/token",
        app.emulator.base_url()
    );
    let reply: Value = app
        .http
        .post(url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", &format!("{API_URI}/.default")),
        ])
        .send()
        .await
        .expect("token endpoint")
        .json()
        .await
        .expect("token reply");
    reply["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {reply}"))
        .to_string()
}

/// The claims of a valid CI token at emulator time `now` (seconds).
pub fn claims(base_url: &str, now: i64) -> Value {
    serde_json::json!({
        "aud": API_APP,
        "iss": format!("{base_url}/{DEMO_TENANT_ID}/v2.0"),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "tid": DEMO_TENANT_ID,
        "azp": CI_APP,
        "azpacr": "1",
        "oid": CI_APP,
        "sub": CI_APP,
        "idtyp": "app",
        "ver": "2.0",
    })
}
