//! `POST /{tenant}/oauth2/v2.0/token`: grant dispatch, client authentication, scopes and
//! client credentials. User grants (ROPC, refresh) live in `token_user.rs`.

use crate::aad_error::AadError;
use crate::claims::{is_graph_resource, issuer, AccessClaims};
use crate::directory::{App, Directory};
use crate::form::{basic_credentials, parse_form};
use crate::request_log::CallerInfo;
use crate::shared::{lock, Shared};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// A parsed token request.
pub(crate) struct TokenRequest {
    pub tenant: String,
    pub form: HashMap<String, String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub now: DateTime<Utc>,
}

impl TokenRequest {
    pub fn param(&self, name: &str) -> Result<&str, AadError> {
        self.form
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| AadError::missing_parameter(name))
    }
}

/// Marks a token response uncacheable, like Entra does.
pub(crate) fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

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

/// Resolves a tenant-specific path segment; `common`-style aliases are the caller's job.
pub(crate) fn resolve_tenant(dir: &Directory, tenant: &str) -> Result<Uuid, AadError> {
    dir.tenant(tenant)
        .map(|t| t.id)
        .ok_or_else(|| AadError::unknown_tenant(tenant))
}

/// Whether the path segment is one of the multi-tenant aliases.
pub(crate) fn is_alias(tenant: &str) -> bool {
    ["common", "organizations", "consumers"]
        .iter()
        .any(|a| a.eq_ignore_ascii_case(tenant))
}

/// Looks the client up and authenticates it. `secret_required` is true for client
/// credentials; for user grants a secret is required only from confidential clients
/// (applications that have secrets).
pub(crate) fn authenticate_client(
    dir: &Directory,
    tenant_id: Uuid,
    request: &TokenRequest,
    secret_required: bool,
) -> Result<App, AadError> {
    let client_id = request
        .client_id
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AadError::missing_parameter("client_id"))?;
    let tenant = dir
        .tenant(&tenant_id.to_string())
        .ok_or_else(|| AadError::unknown_tenant(&request.tenant))?;
    let app = tenant
        .app(client_id)
        .ok_or_else(|| AadError::unknown_app(client_id, &request.tenant))?;
    let secrets = &app.seed.secrets;
    match request.client_secret.as_deref() {
        None if secret_required || !secrets.is_empty() => Err(AadError::missing_secret()),
        None => Ok(app.clone()),
        Some(given) => {
            let live =
                |s: &&crate::seed::ClientSecretSeed| s.expires_at.is_none_or(|at| at > request.now);
            match secrets.iter().find(|s| s.value == given) {
                Some(s) if live(&s) => Ok(app.clone()),
                Some(_) => Err(AadError::expired_secret(client_id)),
                None if !secrets.is_empty() && !secrets.iter().any(|s| live(&s)) => {
                    Err(AadError::expired_secret(client_id))
                }
                None => Err(AadError::wrong_secret(client_id)),
            }
        }
    }
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
            .filter(|r| is_graph_resource(&shared.base_url, r))
            .ok_or_else(|| AadError::invalid_scope(scope))?,
        _ => return Err(AadError::invalid_scope(scope)),
    };
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
