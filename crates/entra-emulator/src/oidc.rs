//! OpenID Connect discovery, keys and MSAL instance discovery, pointing at this emulator.

use crate::aad_error::AadError;
use crate::request_log::CallerInfo;
use crate::shared::{lock, Shared};
use crate::token_client::is_alias;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub(crate) async fn openid_configuration(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
) -> Response {
    let tenant_id = if is_alias(&tenant) {
        "{tenantid}".to_string()
    } else {
        match lock(&shared.directory).tenant(&tenant) {
            Some(t) => t.id.to_string(),
            None => {
                return AadError::unknown_tenant(&tenant).render(
                    &shared.base_url,
                    None,
                    shared.clock.now(),
                );
            }
        }
    };
    let base = &shared.base_url;
    // Like Entra, a tenant named by its domain is answered with its GUID everywhere.
    let path_tenant = if is_alias(&tenant) {
        tenant.as_str()
    } else {
        tenant_id.as_str()
    };
    let host = base.split_once("://").map(|(_, h)| h).unwrap_or(base);
    let mut response = Json(json!({
        "token_endpoint": format!("{base}/{path_tenant}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": format!("{base}/{path_tenant}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/{tenant_id}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/{path_tenant}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{path_tenant}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{path_tenant}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "name", "oid", "tid", "preferred_username", "ver"],
        "kerberos_endpoint": format!("{base}/{path_tenant}/kerberos"),
        "tenant_region_scope": null,
        "cloud_instance_name": host,
        "cloud_graph_host_name": host,
        "msgraph_host": host,
        "rbac_url": base,
    }))
    .into_response();
    response.extensions_mut().insert(CallerInfo {
        client_id: None,
        tenant: Some(tenant),
    });
    response
}

/// `GET /{tenant}/discovery/v2.0/keys`: the public halves of the token-signing keys.
pub(crate) async fn keys(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    Json(shared.signer.jwks())
}

/// `GET /common/userrealm/{username}`: the realm MSAL asks about before ROPC; every
/// tenant of the emulator is a managed (cloud-only) domain.
pub(crate) async fn user_realm(
    State(shared): State<Arc<Shared>>,
    Path(username): Path<String>,
) -> Json<serde_json::Value> {
    let base = &shared.base_url;
    let host = base.split_once("://").map(|(_, h)| h).unwrap_or(base);
    let domain = lock(&shared.directory)
        .tenant_for_upn(&username)
        .map(|t| t.domain.clone());
    let mut realm = json!({
        "ver": "1.0",
        "account_type": if domain.is_some() { "Managed" } else { "Unknown" },
        "cloud_instance_name": host,
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    });
    if let Some(domain) = domain {
        realm["domain_name"] = json!(domain);
    }
    Json(realm)
}

/// `GET /common/discovery/instance`: MSAL's instance discovery, answered for this host.
pub(crate) async fn instance_discovery(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<serde_json::Value> {
    let base = &shared.base_url;
    let host = base.split_once("://").map(|(_, h)| h).unwrap_or(base);
    let tenant = q
        .get("authorization_endpoint")
        .and_then(|e| e.strip_prefix(base.as_str()))
        .and_then(|rest| rest.trim_start_matches('/').split('/').next())
        .unwrap_or("common")
        .to_string();
    Json(json!({
        "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": [{ "preferred_network": host, "preferred_cache": host, "aliases": [host] }],
    }))
}
