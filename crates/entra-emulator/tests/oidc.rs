//! OpenID Connect discovery.

mod helpers;

use helpers::*;
use serde_json::Value;

#[tokio::test]
async fn discovery_points_at_the_emulator() {
    let env = demo().await;
    let response = env
        .http
        .get(env.url(&format!("/{TENANT}/v2.0/.well-known/openid-configuration")))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.expect("json");
    let base = env.emu.base_url();
    assert_eq!(
        doc["token_endpoint"],
        format!("{base}/{TENANT}/oauth2/v2.0/token")
    );
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{base}/{TENANT}/oauth2/v2.0/authorize")
    );
    assert_eq!(doc["issuer"], format!("{base}/{TENANT}/v2.0"));
    let jwks = doc["jwks_uri"].as_str().expect("jwks_uri");
    assert_eq!(env.http.get(jwks).send().await.expect("jwks").status(), 200);
}

#[tokio::test]
async fn discovery_by_domain_and_alias() {
    let env = demo().await;
    let by_domain: Value = env
        .http
        .get(env.url("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        by_domain["issuer"],
        format!("{}/{TENANT}/v2.0", env.emu.base_url())
    );
    let common: Value = env
        .http
        .get(env.url("/organizations/v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        common["issuer"],
        format!("{}/{{tenantid}}/v2.0", env.emu.base_url())
    );
}

#[tokio::test]
async fn discovery_for_unknown_tenant_is_invalid_tenant() {
    let env = demo().await;
    let response = env
        .http
        .get(env.url("/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .expect("send");
    assert_aad_error(response, 400, "invalid_tenant", 90002).await;
}

#[tokio::test]
async fn user_realm_says_managed_for_the_emulators_domains() {
    let env = demo().await;
    let realm: Value = env
        .http
        .get(env.url(&format!("/common/userrealm/{ALICE}?api-version=1.0")))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(realm["account_type"], "Managed");
    assert_eq!(realm["domain_name"], "contoso.onmicrosoft.com");
    let stranger: Value = env
        .http
        .get(env.url("/common/userrealm/someone@example.org?api-version=1.0"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(stranger["account_type"], "Unknown");
}
