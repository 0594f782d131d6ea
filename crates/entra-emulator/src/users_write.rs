//! Directory writes: `PATCH /v1.0/users/{id|upn}` (password reset, a few properties) and
//! `POST /v1.0/users/{id|upn}/revokeSignInSessions`. Each one costs a throttle token.

use crate::graph_auth::{Caller, RESET_PASSWORD, REVOKE_SESSIONS, WRITE_USERS};
use crate::graph_error::GraphError;
use crate::shared::{lock, Shared};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PasswordProfile {
    password: Option<String>,
    #[serde(default)]
    force_change_password_next_sign_in: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserPatch {
    password_profile: Option<PasswordProfile>,
    account_enabled: Option<bool>,
    display_name: Option<String>,
}

pub(crate) fn take_write(shared: &Shared, caller: &Caller) -> Result<(), GraphError> {
    let now = shared.clock.now();
    lock(&shared.throttle)
        .try_write(caller.tenant_id, caller.app_id, now)
        .map_err(|secs| {
            GraphError::throttled(
                secs,
                &caller.tenant_id.to_string(),
                &caller.app_id.to_string(),
            )
        })
}

/// `PATCH /v1.0/users/{id|upn}`.
pub(crate) async fn patch_user(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    let patch: UserPatch = serde_json::from_slice(&body).map_err(|_| {
        GraphError::bad_request("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
    })?;
    if patch.password_profile.is_some() {
        caller.require(RESET_PASSWORD)?;
    }
    if patch.account_enabled.is_some() || patch.display_name.is_some() {
        caller.require(WRITE_USERS)?;
    }
    if patch.password_profile.is_none()
        && patch.account_enabled.is_none()
        && patch.display_name.is_none()
    {
        caller.require(&[RESET_PASSWORD, WRITE_USERS].concat())?;
    }
    take_write(&shared, &caller)?;
    let now = shared.clock.now();
    let mut dir = lock(&shared.directory);
    let target = dir
        .tenant(&caller.tenant_id.to_string())
        .and_then(|t| t.user(&key))
        .ok_or_else(|| GraphError::not_found(&key))?;
    if !caller.may_manage(&dir, target) {
        return Err(GraphError::denied());
    }
    if let Some(profile) = &patch.password_profile {
        let password = profile.password.as_deref().unwrap_or_default();
        crate::password_policy::check(password).map_err(|_| GraphError::password_policy())?;
    }
    let user = dir
        .tenant_mut(&caller.tenant_id.to_string())
        .and_then(|t| t.user_mut(&key))
        .ok_or_else(|| GraphError::not_found(&key))?;
    if let Some(profile) = patch.password_profile {
        // Invariant: the policy check above rejected a missing password.
        let password = profile.password.unwrap_or_default();
        user.set_password(&password, profile.force_change_password_next_sign_in, now);
    }
    if let Some(enabled) = patch.account_enabled {
        user.account_enabled = enabled;
    }
    if let Some(name) = patch.display_name {
        user.display_name = name;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v1.0/users/{id|upn}/revokeSignInSessions`: answers 200 with an Edm.Boolean,
/// as Graph really does (its docs say 204).
pub(crate) async fn revoke_sessions(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Response, GraphError> {
    caller.require(REVOKE_SESSIONS)?;
    take_write(&shared, &caller)?;
    let now = shared.clock.now();
    let mut dir = lock(&shared.directory);
    let target = dir
        .tenant(&caller.tenant_id.to_string())
        .and_then(|t| t.user(&key))
        .ok_or_else(|| GraphError::not_found(&key))?;
    if !caller.may_manage(&dir, target) {
        return Err(GraphError::denied());
    }
    let user = dir
        .tenant_mut(&caller.tenant_id.to_string())
        .and_then(|t| t.user_mut(&key))
        .ok_or_else(|| GraphError::not_found(&key))?;
    user.sign_in_sessions_valid_from = now;
    Ok(Json(json!({
        "@odata.context": format!("{}/v1.0/$metadata#Edm.Boolean", shared.base_url),
        "value": true,
    }))
    .into_response())
}
