//! Graph's Temporary Access Pass routes: the tenant's policy
//! (`GET /v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`)
//! and a user's passes (`…/users/{id|upn}/authentication/temporaryAccessPassMethods`:
//! create, list, get, delete). A user holds one pass: creating one deletes the previous.
//! Creating and deleting are directory writes and cost a throttle token.

use crate::graph_auth::Caller;
use crate::graph_error::GraphError;
use crate::shared::{lock, Shared};
use crate::tap_policy::UserTap;
use crate::users_write::take_write;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Permissions that allow reading the authentication methods policy.
const READ_POLICY: &[&str] = &[
    "Policy.Read.AuthenticationMethod",
    "Policy.ReadWrite.AuthenticationMethod",
    "Policy.Read.All",
];
/// Permissions that allow reading a user's authentication methods.
const READ_METHODS: &[&str] = &[
    "UserAuthenticationMethod.Read.All",
    "UserAuthenticationMethod.ReadWrite.All",
];
/// Permissions that allow creating and deleting a user's authentication methods.
const WRITE_METHODS: &[&str] = &["UserAuthenticationMethod.ReadWrite.All"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewPass {
    #[serde(default)]
    lifetime_in_minutes: Option<u32>,
    #[serde(default)]
    is_usable_once: Option<bool>,
}

/// `GET …/authenticationMethodConfigurations/{id}`: only `TemporaryAccessPass` is known.
pub(crate) async fn policy(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, GraphError> {
    caller.require(READ_POLICY)?;
    if !id.eq_ignore_ascii_case("TemporaryAccessPass") {
        return Err(GraphError::not_found(&id));
    }
    let dir = lock(&shared.directory);
    let tenant = dir
        .tenant(&caller.tenant_id.to_string())
        .ok_or_else(|| GraphError::not_found(&id))?;
    Ok(Json(tenant.tap_policy.graph_json(&shared.base_url)).into_response())
}

/// `POST …/temporaryAccessPassMethods`: 201 with the passcode, which no later read shows.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(WRITE_METHODS)?;
    let asked: NewPass = serde_json::from_slice(&body).map_err(|_| {
        GraphError::bad_request("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
    })?;
    take_write(&shared, &caller)?;
    let now = shared.clock.now();
    let mut dir = lock(&shared.directory);
    let tenant = dir
        .tenant_mut(&caller.tenant_id.to_string())
        .ok_or_else(|| GraphError::not_found(&key))?;
    let policy = tenant.tap_policy;
    if !policy.enabled {
        return Err(GraphError::tap_refused(
            "Temporary Access Pass is disabled by the authentication methods policy.",
        ));
    }
    let lifetime = asked
        .lifetime_in_minutes
        .unwrap_or(policy.default_lifetime_minutes);
    if lifetime < policy.min_lifetime_minutes || lifetime > policy.max_lifetime_minutes {
        return Err(GraphError::tap_refused(format!(
            "Invalid LifetimeInMinutes specified. The valid range between {} and {}.",
            policy.min_lifetime_minutes, policy.max_lifetime_minutes
        )));
    }
    let usable_once = asked.is_usable_once.unwrap_or(policy.is_usable_once);
    if policy.is_usable_once && !usable_once {
        return Err(GraphError::tap_refused(
            "The authentication methods policy allows one-time Temporary Access Passes only.",
        ));
    }
    let user = tenant
        .user_mut(&key)
        .ok_or_else(|| GraphError::not_found(&key))?;
    let (tap, pass) = UserTap::issue(policy.default_length, lifetime, usable_once, now);
    let mut body = tap.graph_json(now, Some(&pass));
    body["@odata.context"] = json!(format!(
        "{}/v1.0/$metadata#users('{}')/authentication/temporaryAccessPassMethods/$entity",
        shared.base_url, user.id
    ));
    // One pass per user: the new pass replaces the previous one.
    user.tap = Some(tap);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET …/temporaryAccessPassMethods`: the user's pass, if any, without its passcode.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Response, GraphError> {
    caller.require(READ_METHODS)?;
    let now = shared.clock.now();
    let dir = lock(&shared.directory);
    let user = dir
        .tenant(&caller.tenant_id.to_string())
        .and_then(|t| t.user(&key))
        .ok_or_else(|| GraphError::not_found(&key))?;
    let value: Vec<_> = user.tap.iter().map(|t| t.graph_json(now, None)).collect();
    Ok(Json(json!({
        "@odata.context": format!(
            "{}/v1.0/$metadata#users('{}')/authentication/temporaryAccessPassMethods",
            shared.base_url, user.id
        ),
        "value": value,
    }))
    .into_response())
}

/// `GET …/temporaryAccessPassMethods/{id}`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path((key, id)): Path<(String, String)>,
) -> Result<Response, GraphError> {
    caller.require(READ_METHODS)?;
    let now = shared.clock.now();
    let dir = lock(&shared.directory);
    let user = dir
        .tenant(&caller.tenant_id.to_string())
        .and_then(|t| t.user(&key))
        .ok_or_else(|| GraphError::not_found(&key))?;
    let tap = user
        .tap
        .as_ref()
        .filter(|t| t.id.to_string().eq_ignore_ascii_case(&id))
        .ok_or_else(|| GraphError::not_found(&id))?;
    Ok(Json(tap.graph_json(now, None)).into_response())
}

/// `DELETE …/temporaryAccessPassMethods/{id}`: 204; an unknown pass is 404.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path((key, id)): Path<(String, String)>,
) -> Result<Response, GraphError> {
    caller.require(WRITE_METHODS)?;
    take_write(&shared, &caller)?;
    let mut dir = lock(&shared.directory);
    let user = dir
        .tenant_mut(&caller.tenant_id.to_string())
        .and_then(|t| t.user_mut(&key))
        .ok_or_else(|| GraphError::not_found(&key))?;
    match &user.tap {
        Some(t) if t.id.to_string().eq_ignore_ascii_case(&id) => {
            user.tap = None;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(GraphError::not_found(&id)),
    }
}
