//! `POST /{tenant}/oauth2/v2.0/token`: grant dispatch, client authentication, scopes and
//! client credentials. User grants (ROPC, refresh) live in `token_user.rs`; what both
//! share (the parsed request, tenant resolution, client authentication) in
//! `token_client.rs`.

use crate::aad_error::{no_store, AadError};
use crate::claims::{is_graph_resource, issuer, AccessClaims, ApiAccessClaims};
use crate::directory::App;
use crate::form::{basic_credentials, parse_form};
use crate::request_log::CallerInfo;
use crate::shared::{lock, Shared};
use crate::token_client::{authenticate_client, is_alias, resolve_tenant, TokenRequest};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// Handles the token endpoint.
pub(crate) async fn token_endpoint(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = parse_form(&body);
    let basic = basic_credentials(
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    );
    let (basic_id, basic_secret) = basic.unzip();
    let request = TokenRequest {
        client_id: form.get("client_id").cloned().or(basic_id),
        client_secret: form
            .get("client_secret")
            .cloned()
            .filter(|s| !s.is_empty())
            .or(basic_secret),
        tenant,
        form,
        now: shared.clock.now(),
    };
    let correlation = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut caller = CallerInfo {
        client_id: request.client_id.clone(),
        tenant: Some(request.tenant.clone()),
    };
    let result = match request.form.get("grant_type").map(String::as_str) {
        None | Some("") => Err(AadError::missing_parameter("grant_type")),
        Some("client_credentials") => client_credentials(&shared, &request, &mut caller),
        Some("password") => crate::token_user::password(&shared, &request, &mut caller),
        Some("refresh_token") => crate::token_user::refresh(&shared, &request, &mut caller),
        Some("authorization_code") => {
            crate::token_code::authorization_code(&shared, &request, &mut caller)
        }
        Some(other) => Err(AadError::unsupported_grant(other)),
    };
    let mut response = match result {
        Ok(body) => {
            let mut ok = Json(body).into_response();
            no_store(&mut ok);
            ok
        }
        Err(e) => e.render(&shared.base_url, correlation.as_deref(), request.now),
    };
    response.extensions_mut().insert(caller);
    response
}

fn client_credentials(
    shared: &Shared,
    request: &TokenRequest,
    caller: &mut CallerInfo,
) -> Result<serde_json::Value, AadError> {
    if is_alias(&request.tenant) {
        return Err(AadError::no_tenant_information());
    }
    let (tenant_id, app) = {
        let dir = lock(&shared.directory);
        let tenant_id = resolve_tenant(&dir, &request.tenant)?;
        (
            tenant_id,
            authenticate_client(&dir, tenant_id, request, true)?,
        )
    };
    caller.tenant = Some(tenant_id.to_string());
    let scope = request.param("scope")?;
    let items: Vec<&str> = scope.split_whitespace().collect();
    let resource = match items.as_slice() {
        [single] => single
            .strip_suffix("/.default")
            .ok_or_else(|| AadError::invalid_scope(scope))?,
        _ => return Err(AadError::invalid_scope(scope)),
    };
    if !is_graph_resource(&shared.base_url, resource) {
        return api_token(shared, request, tenant_id, &app, resource)
            .ok_or_else(|| AadError::invalid_scope(scope));
    }
    let lifetime = shared.token_lifetime.as_secs() as i64;
    let claims = AccessClaims {
        aud: resource.trim_end_matches('/').to_string(),
        iss: issuer(&shared.base_url, &tenant_id.to_string()),
        iat: request.now.timestamp(),
        nbf: request.now.timestamp(),
        exp: request.now.timestamp() + lifetime,
        tid: tenant_id.to_string(),
        appid: app.seed.client_id.to_string(),
        oid: app.seed.client_id.to_string(),
        sub: app.seed.client_id.to_string(),
        idtyp: "app".to_string(),
        roles: app.seed.permissions.clone(),
        wids: Some(crate::directory::role_template_ids(
            &app.seed.directory_roles,
        )),
        scp: None,
        upn: None,
        ver: "1.0".to_string(),
        uti: Uuid::new_v4().simple().to_string(),
    };
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": shared.signer.sign(&claims),
    }))
}

/// A v2.0 token for an API registered in the tenant (such as leasehold's own), with the
/// app roles the API granted the client; `None` when no application exposes `resource`.
fn api_token(
    shared: &Shared,
    request: &TokenRequest,
    tenant_id: Uuid,
    client: &App,
    resource: &str,
) -> Option<serde_json::Value> {
    let api = {
        let dir = lock(&shared.directory);
        dir.tenant(&tenant_id.to_string())?
            .api_app(resource)?
            .seed
            .clone()
    };
    let client_id = client.seed.client_id;
    let roles = api
        .role_assignments
        .iter()
        .filter(|a| a.client_id == client_id)
        .flat_map(|a| a.roles.iter().cloned())
        .collect();
    let lifetime = shared.token_lifetime.as_secs() as i64;
    let now = request.now.timestamp();
    let claims = ApiAccessClaims {
        aud: api.client_id.to_string(),
        iss: issuer(&shared.base_url, &tenant_id.to_string()),
        iat: now,
        nbf: now,
        exp: now + lifetime,
        tid: tenant_id.to_string(),
        azp: client_id.to_string(),
        azpacr: "1".to_string(),
        oid: client_id.to_string(),
        sub: client_id.to_string(),
        idtyp: "app".to_string(),
        roles,
        ver: "2.0".to_string(),
        uti: Uuid::new_v4().simple().to_string(),
    };
    Some(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": shared.signer.sign(&claims),
    }))
}
