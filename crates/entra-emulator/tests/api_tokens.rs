//! The emulator as an identity provider for other APIs: RS256 tokens that a resource
//! server validates from discovery and the JWKS alone, client credentials for an API
//! registered in the tenant, and signing keys rotated through the admin API.

mod helpers;

use entra_emulator::{AppSeed, ClientSecretSeed, EmulatorConfig, RoleAssignmentSeed};
use helpers::*;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

const API: &str = "33333333-3333-4333-8333-333333333333";
const CALLER: &str = "44444444-4444-4444-8444-444444444444";

fn with_api() -> EmulatorConfig {
    let mut config = EmulatorConfig::default();
    let apps = &mut config.seed.tenants[0].applications;
    apps.push(AppSeed {
        client_id: API.parse().expect("uuid"),
        identifier_uris: vec!["api://leasehold".into()],
        role_assignments: vec![RoleAssignmentSeed {
            client_id: CALLER.parse().expect("uuid"),
            roles: vec!["Leasehold.Admin".into()],
        }],
        ..AppSeed::default()
    });
    apps.push(AppSeed {
        client_id: CALLER.parse().expect("uuid"),
        secrets: vec![ClientSecretSeed {
            value: "caller-secret".into(),
            expires_at: None,
        }],
        ..AppSeed::default()
    });
    config
}

async fn get(env: &Env, url: &str) -> Value {
    env.http
        .get(url)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

/// Validates `token` as a resource server would: keys from the discovery's `jwks_uri`.
async fn validate(env: &Env, token: &str, audience: &str) -> Result<Value, String> {
    let discovery = get(
        env,
        &env.url(&format!("/{TENANT}/v2.0/.well-known/openid-configuration")),
    )
    .await;
    let jwks: JwkSet =
        serde_json::from_value(get(env, discovery["jwks_uri"].as_str().expect("uri")).await)
            .expect("a JWK set");
    let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
    let jwk = jwks
        .find(header.kid.as_deref().ok_or("no kid")?)
        .ok_or("unknown kid")?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[discovery["issuer"].as_str().expect("issuer")]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map(|d| d.claims)
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn client_credentials_for_a_registered_api_carry_its_app_roles() {
    let env = start(with_api()).await;
    let response = env
        .client_credentials(CALLER, "caller-secret", "api://leasehold/.default")
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let token = body["access_token"].as_str().expect("token");
    let claims = validate(&env, token, API).await.expect("valid for the API");
    assert_eq!(claims["azp"], CALLER);
    assert_eq!(claims["tid"], TENANT);
    assert_eq!(claims["ver"], "2.0");
    assert_eq!(claims["roles"], serde_json::json!(["Leasehold.Admin"]));

    // The API's client id names it too; an unknown API is an invalid scope.
    let by_id = env
        .client_credentials(CALLER, "caller-secret", &format!("{API}/.default"))
        .await;
    assert_eq!(by_id.status(), 200);
    let unknown = env
        .client_credentials(CALLER, "caller-secret", "api://nobody/.default")
        .await;
    assert_eq!(unknown.status(), 400);
    let error: Value = unknown.json().await.expect("json");
    assert_eq!(error["error"], "invalid_scope");

    // Graph refuses a token meant for another API.
    let graph = env
        .http
        .get(env.url("/v1.0/users"))
        .bearer_auth(token)
        .send()
        .await
        .expect("graph");
    assert_eq!(graph.status(), 401);
}

#[tokio::test]
async fn signing_keys_rotate_through_the_admin_api() {
    let env = start(with_api()).await;
    let before = env.demo_token().await;
    let keys = get(&env, &env.url("/_emulator/keys")).await;
    let old = keys["keys"][0].as_str().expect("kid").to_string();

    let rotated = env
        .http
        .post(env.url("/_emulator/keys/rotate"))
        .send()
        .await
        .expect("rotate");
    assert_eq!(rotated.status(), 201);
    let new = rotated.json::<Value>().await.expect("json")["kid"]
        .as_str()
        .expect("kid")
        .to_string();
    let after = env.demo_token().await;
    let kid = |t: &str| jsonwebtoken::decode_header(t).expect("header").kid;
    assert_eq!(kid(&before).as_deref(), Some(old.as_str()));
    assert_eq!(kid(&after).as_deref(), Some(new.as_str()));
    // Both keys are published during the rollover, and both tokens work at Graph.
    let graph = |t: String| {
        let request = env.http.get(env.url("/v1.0/users")).bearer_auth(t);
        async move { request.send().await.expect("graph").status() }
    };
    assert_eq!(graph(before.clone()).await, 200);
    assert_eq!(graph(after.clone()).await, 200);

    // The signing key cannot be retired; the old one can, and its tokens die with it.
    let refuse = env
        .http
        .delete(env.url(&format!("/_emulator/keys/{new}")))
        .send()
        .await
        .expect("delete");
    assert_eq!(refuse.status(), 409);
    let retire = env
        .http
        .delete(env.url(&format!("/_emulator/keys/{old}")))
        .send()
        .await
        .expect("delete");
    assert_eq!(retire.status(), 204);
    assert_eq!(graph(before.clone()).await, 401);
    assert_eq!(graph(after).await, 200);
    let jwks = get(&env, &env.url(&format!("/{TENANT}/discovery/v2.0/keys"))).await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert_eq!(kids, vec![new.as_str()]);
}
