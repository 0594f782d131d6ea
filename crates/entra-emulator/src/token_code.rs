//! `grant_type=authorization_code`: redeems a code from the sign-in page, once, for the
//! client and redirect URI it was issued to, with the PKCE verifier of its challenge.

use crate::aad_error::AadError;
use crate::request_log::CallerInfo;
use crate::shared::{lock, Shared};
use crate::token_client::{authenticate_client, is_alias, resolve_tenant, TokenRequest};
use crate::token_user::{issue, parse_scope, Extras};

/// Handles the grant.
pub(crate) fn authorization_code(
    shared: &Shared,
    request: &TokenRequest,
    caller: &mut CallerInfo,
) -> Result<serde_json::Value, AadError> {
    let code = request.param("code")?;
    let redirect_uri = request.param("redirect_uri")?;
    // A code is spent by its first redemption, successful or not.
    let grant = lock(&shared.codes)
        .redeem(code, request.now)
        .ok_or_else(AadError::expired_code)?;
    let dir = lock(&shared.directory);
    if !is_alias(&request.tenant) && resolve_tenant(&dir, &request.tenant)? != grant.tenant_id {
        return Err(AadError::expired_code());
    }
    caller.tenant = Some(grant.tenant_id.to_string());
    let app = authenticate_client(&dir, grant.tenant_id, request, false)?;
    if !app
        .seed
        .client_id
        .to_string()
        .eq_ignore_ascii_case(&grant.client_id)
    {
        return Err(AadError::malformed_grant());
    }
    if redirect_uri != grant.redirect_uri {
        return Err(AadError::redirect_mismatch(redirect_uri, &grant.client_id));
    }
    let verifier = request.form.get("code_verifier").map(String::as_str);
    if !grant.verifies(verifier) {
        return Err(AadError::pkce_mismatch());
    }
    let mut scope = parse_scope(&shared.base_url, &grant.scope)?;
    let tenant = dir
        .tenant(&grant.tenant_id.to_string())
        .ok_or_else(|| AadError::unknown_user(&request.tenant))?;
    scope.resolve_api(&shared.base_url, tenant)?;
    let user = tenant
        .user(&grant.user_id.to_string())
        .ok_or_else(|| AadError::unknown_user(&request.tenant))?;
    if !user.account_enabled {
        return Err(AadError::disabled());
    }
    let extras = Extras {
        nonce: grant.nonce.clone(),
        client_info: request.form.get("client_info").map(String::as_str) == Some("1"),
    };
    Ok(issue(
        shared,
        grant.tenant_id,
        &app,
        user,
        &scope,
        request.now,
        &extras,
    ))
}
