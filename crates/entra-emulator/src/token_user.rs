//! User grants at the token endpoint: resource-owner password (ROPC) — how tests prove a
//! leased password signs in — and refresh tokens, which die on reset or revocation.

use crate::aad_error::AadError;
use crate::claims::{
    is_graph_resource, issuer, AccessClaims, IdClaims, RefreshClaims, UserApiAccessClaims,
    GRAPH_RESOURCE,
};
use crate::directory::{App, Tenant};
use crate::request_log::CallerInfo;
use crate::seed::AppSeed;
use crate::shared::{lock, Shared};
use crate::token_client::{authenticate_client, is_alias, resolve_tenant, TokenRequest};
use crate::user::{PasswordCheck, User};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// What a user grant's `scope` asked for.
pub(crate) struct UserScope {
    /// The original scope string, echoed back and kept in refresh tokens.
    raw: String,
    audience: String,
    scp: String,
    offline: bool,
    openid: bool,
    /// The application exposing the API the scope is for (`None`: Graph), once
    /// resolved against the tenant.
    api: Option<AppSeed>,
}

pub(crate) fn parse_scope(base_url: &str, scope: &str) -> Result<UserScope, AadError> {
    let mut audience: Option<String> = None;
    let mut scp = Vec::new();
    let (mut offline, mut openid) = (false, false);
    for item in scope.split_whitespace() {
        let lower = item.to_ascii_lowercase();
        if OIDC_SCOPES.contains(&lower.as_str()) {
            offline |= lower == "offline_access";
            openid |= lower == "openid";
            continue;
        }
        let (resource, permission) = match item.rsplit_once('/') {
            Some((resource, permission)) if is_graph_resource(base_url, resource) => {
                (resource.trim_end_matches('/').to_string(), permission)
            }
            // A scope of another API (`api://leasehold/Leasehold.Access`), resolved
            // against the tenant's applications when the token is issued.
            Some((resource, permission)) if !resource.is_empty() && !permission.is_empty() => {
                (resource.trim_end_matches('/').to_string(), permission)
            }
            Some(_) => return Err(AadError::invalid_scope(scope)),
            None => (GRAPH_RESOURCE.to_string(), item),
        };
        if audience.as_ref().is_some_and(|a| a != &resource) {
            return Err(AadError::invalid_scope(scope));
        }
        audience = Some(resource);
        if permission != ".default" && !permission.is_empty() {
            scp.push(permission.to_string());
        }
    }
    if scp.is_empty() {
        scp.push("User.Read".to_string());
    }
    Ok(UserScope {
        raw: scope.to_string(),
        audience: audience.unwrap_or_else(|| GRAPH_RESOURCE.to_string()),
        scp: scp.join(" "),
        offline,
        openid,
        api: None,
    })
}

impl UserScope {
    /// Finds the application exposing the API this scope is for (none for Graph):
    /// AADSTS500011 when no application of `tenant` exposes it.
    pub(crate) fn resolve_api(&mut self, base_url: &str, tenant: &Tenant) -> Result<(), AadError> {
        if is_graph_resource(base_url, &self.audience) {
            return Ok(());
        }
        let app = tenant
            .api_app(&self.audience)
            .ok_or_else(|| AadError::unknown_resource(&self.audience, &tenant.id.to_string()))?;
        self.api = Some(app.seed.clone());
        Ok(())
    }
}

/// `grant_type=password`.
pub(crate) fn password(
    shared: &Shared,
    request: &TokenRequest,
    caller: &mut CallerInfo,
) -> Result<serde_json::Value, AadError> {
    let t = request.tenant.as_str();
    if t.eq_ignore_ascii_case("common") || t.eq_ignore_ascii_case("consumers") {
        return Err(AadError::common_endpoint_not_supported());
    }
    let username = request.param("username")?;
    let password = request.param("password")?;
    let lag = shared.replication_lag();
    let mut dir = lock(&shared.directory);
    let tenant_id = if t.eq_ignore_ascii_case("organizations") {
        dir.tenant_for_upn(username)
            .map(|t| t.id)
            .ok_or_else(|| AadError::unknown_user(t))?
    } else {
        resolve_tenant(&dir, t)?
    };
    caller.tenant = Some(tenant_id.to_string());
    let app = authenticate_client(&dir, tenant_id, request, false)?;
    let mut scope = parse_scope(&shared.base_url, request.param("scope")?)?;
    let tenant = dir
        .require_tenant(&tenant_id.to_string())
        .map_err(|_| AadError::unknown_tenant(t))?;
    scope.resolve_api(&shared.base_url, tenant)?;
    let user = tenant
        .user_mut(username)
        .ok_or_else(|| AadError::unknown_user(t))?;
    check_sign_in(user, password, request.now, lag)?;
    Ok(issue(
        shared,
        tenant_id,
        &app,
        user,
        &scope,
        request.now,
        &Extras::default(),
    ))
}

/// Whether `password` signs `user` in now: not locked out, enabled, the password
/// (counting failures towards smart lockout), not expired. ROPC and the sign-in page.
pub(crate) fn check_sign_in(
    user: &mut User,
    password: &str,
    now: DateTime<Utc>,
    lag: std::time::Duration,
) -> Result<(), AadError> {
    if user.locked_out() {
        return Err(AadError::locked_out());
    }
    if !user.account_enabled {
        return Err(AadError::disabled());
    }
    match user.check_password(password, now, lag) {
        PasswordCheck::Ok => {}
        PasswordCheck::Wrong => return Err(AadError::wrong_password()),
        PasswordCheck::Locked => return Err(AadError::locked_out()),
    }
    if user.force_change_password {
        return Err(AadError::password_expired());
    }
    Ok(())
}

/// What a token response carries beyond the grant's defaults.
#[derive(Default)]
pub(crate) struct Extras {
    /// The `nonce` of the authorization request, echoed in the ID token.
    pub nonce: Option<String>,
    /// `client_info=1` was asked for: add `client_info` (`uid`, `utid`), as MSAL does.
    pub client_info: bool,
}

/// `grant_type=refresh_token`.
pub(crate) fn refresh(
    shared: &Shared,
    request: &TokenRequest,
    caller: &mut CallerInfo,
) -> Result<serde_json::Value, AadError> {
    let token = request.param("refresh_token")?;
    let claims: RefreshClaims = shared
        .signer
        .verify(token)
        .map_err(|_| AadError::malformed_grant())?;
    if claims.typ != "refresh" {
        return Err(AadError::malformed_grant());
    }
    let mut dir = lock(&shared.directory);
    let tenant_id = if is_alias(&request.tenant) {
        Uuid::parse_str(&claims.tid).map_err(|_| AadError::malformed_grant())?
    } else {
        resolve_tenant(&dir, &request.tenant)?
    };
    if tenant_id.to_string() != claims.tid {
        return Err(AadError::malformed_grant());
    }
    caller.tenant = Some(tenant_id.to_string());
    let app = authenticate_client(&dir, tenant_id, request, false)?;
    if !app
        .seed
        .client_id
        .to_string()
        .eq_ignore_ascii_case(&claims.appid)
    {
        return Err(AadError::malformed_grant());
    }
    let scope_text = request
        .form
        .get("scope")
        .filter(|s| !s.is_empty())
        .unwrap_or(&claims.scope);
    let mut scope = parse_scope(&shared.base_url, scope_text)?;
    let tenant = dir
        .require_tenant(&claims.tid)
        .map_err(|_| AadError::unknown_tenant(&request.tenant))?;
    scope.resolve_api(&shared.base_url, tenant)?;
    let user = tenant
        .user_mut(&claims.oid)
        .ok_or_else(|| AadError::unknown_user(&request.tenant))?;
    if !user.account_enabled {
        return Err(AadError::disabled());
    }
    let issued = DateTime::<Utc>::from_timestamp_micros(claims.iat_us).unwrap_or_default();
    if issued < user.tokens_valid_from() {
        return Err(AadError::revoked_grant(issued, user.tokens_valid_from()));
    }
    Ok(issue(
        shared,
        tenant_id,
        &app,
        user,
        &scope,
        request.now,
        &Extras::default(),
    ))
}

pub(crate) fn issue(
    shared: &Shared,
    tenant_id: Uuid,
    app: &App,
    user: &User,
    scope: &UserScope,
    now: DateTime<Utc>,
    extras: &Extras,
) -> serde_json::Value {
    let lifetime = shared.token_lifetime.as_secs() as i64;
    let tid = tenant_id.to_string();
    let client_id = app.seed.client_id.to_string();
    let iss = issuer(&shared.base_url, &tid);
    let access = AccessClaims {
        aud: scope.audience.clone(),
        iss: iss.clone(),
        iat: now.timestamp(),
        nbf: now.timestamp(),
        exp: now.timestamp() + lifetime,
        tid: tid.clone(),
        appid: client_id.clone(),
        oid: user.id.to_string(),
        sub: user.id.to_string(),
        idtyp: "user".to_string(),
        roles: Vec::new(),
        wids: Some(crate::directory::role_template_ids(&user.admin_roles))
            .filter(|w| !w.is_empty()),
        scp: Some(scope.scp.clone()),
        upn: Some(user.upn.clone()),
        ver: "1.0".to_string(),
        uti: Uuid::new_v4().simple().to_string(),
    };
    let access_token = match &scope.api {
        None => shared.signer.sign(&access),
        Some(api) => shared.signer.sign(&UserApiAccessClaims {
            aud: api.client_id.to_string(),
            iss: iss.clone(),
            iat: access.iat,
            nbf: access.nbf,
            exp: access.exp,
            tid: tid.clone(),
            azp: client_id.clone(),
            azpacr: if app.seed.secrets.is_empty() {
                "0"
            } else {
                "1"
            }
            .to_string(),
            oid: user.id.to_string(),
            sub: user.id.to_string(),
            idtyp: "user".to_string(),
            name: user.display_name.clone(),
            preferred_username: user.upn.clone(),
            scp: scope.scp.clone(),
            roles: api
                .user_role_assignments
                .iter()
                .filter(|a| a.user.eq_ignore_ascii_case(&user.upn))
                .flat_map(|a| a.roles.iter().cloned())
                .collect(),
            ver: "2.0".to_string(),
            uti: access.uti.clone(),
        }),
    };
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope.raw,
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    if scope.offline {
        let refresh = RefreshClaims {
            typ: "refresh".to_string(),
            tid: tid.clone(),
            oid: user.id.to_string(),
            appid: client_id.clone(),
            scope: scope.raw.clone(),
            iat_us: now.timestamp_micros(),
            jti: Uuid::new_v4().to_string(),
        };
        body["refresh_token"] = json!(shared.signer.sign(&refresh));
    }
    if scope.offline || scope.openid {
        let id = IdClaims {
            aud: client_id,
            iss,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: now.timestamp() + lifetime,
            tid,
            oid: user.id.to_string(),
            sub: user.id.to_string(),
            preferred_username: user.upn.clone(),
            name: user.display_name.clone(),
            nonce: extras.nonce.clone(),
            ver: "2.0".to_string(),
        };
        body["id_token"] = json!(shared.signer.sign(&id));
    }
    if extras.client_info {
        let info = json!({ "uid": user.id.to_string(), "utid": tenant_id.to_string() });
        body["client_info"] = json!(URL_SAFE_NO_PAD.encode(info.to_string()));
    }
    body
}
