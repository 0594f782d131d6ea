//! The emulator's own JSON API under `/_emulator/`: inspect and change the directory,
//! faults, throttling, lag, clock and request log. Unauthenticated: bind to loopback.

use crate::config::{FaultConfig, ThrottleConfig};
use crate::error::EmulatorError;
use crate::handle::EmulatorHandle;
use crate::seed::{AppSeed, UserSeed};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

impl IntoResponse for EmulatorError {
    fn into_response(self) -> Response {
        let status = match self {
            EmulatorError::UnknownTenant(_) | EmulatorError::UnknownUser(_) => {
                StatusCode::NOT_FOUND
            }
            EmulatorError::DuplicateUser(_) | EmulatorError::DuplicateApp(_) => {
                StatusCode::CONFLICT
            }
            EmulatorError::InvalidUser(_) | EmulatorError::InvalidTapPolicy => {
                StatusCode::BAD_REQUEST
            }
            EmulatorError::Key(crate::jwt::JwtError::UnknownKey(_)) => StatusCode::NOT_FOUND,
            EmulatorError::Key(crate::jwt::JwtError::SigningKey(_)) => StatusCode::CONFLICT,
            EmulatorError::Key(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

/// Body of `PUT /_emulator/replication-lag` and `POST /_emulator/clock/advance`.
#[derive(Debug, Serialize, Deserialize)]
struct DurationBody {
    #[serde(with = "crate::duration_serde")]
    duration: Duration,
}

/// Body of `PATCH /_emulator/users/{tenant}/{id}`.
#[derive(Debug, Deserialize)]
struct UserChange {
    account_enabled: Option<bool>,
}

/// The admin routes, with the handle as state.
pub(crate) fn routes(handle: EmulatorHandle) -> Router {
    Router::new()
        .route("/_emulator/health", get(health))
        .route("/_emulator/users/{tenant}", get(list_users).post(add_user))
        .route(
            "/_emulator/users/{tenant}/{id}",
            get(get_user).patch(change_user).delete(delete_user),
        )
        .route("/_emulator/apps/{tenant}", post(add_app))
        .route(
            "/_emulator/tap-policy/{tenant}",
            get(tap_policy).put(set_tap_policy),
        )
        .route("/_emulator/requests", get(requests).delete(clear_requests))
        .route("/_emulator/faults", get(faults).put(set_faults))
        .route("/_emulator/throttle", get(throttle).put(set_throttle))
        .route("/_emulator/replication-lag", get(lag).put(set_lag))
        .route("/_emulator/clock/advance", post(advance_clock))
        .route("/_emulator/keys", get(keys))
        .route("/_emulator/keys/rotate", post(rotate_key))
        .route("/_emulator/keys/{kid}", axum::routing::delete(retire_key))
        .with_state(handle)
}

async fn health(State(h): State<EmulatorHandle>) -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "base_url": h.base_url(), "now": h.now() }))
}

async fn list_users(State(h): State<EmulatorHandle>, Path(tenant): Path<String>) -> Response {
    if !tenant_exists(&h, &tenant) {
        return EmulatorError::UnknownTenant(tenant).into_response();
    }
    Json(h.users(&tenant)).into_response()
}

fn tenant_exists(h: &EmulatorHandle, tenant: &str) -> bool {
    crate::shared::lock(&h.shared.directory)
        .tenant(tenant)
        .is_some()
}

async fn add_user(
    State(h): State<EmulatorHandle>,
    Path(tenant): Path<String>,
    Json(user): Json<UserSeed>,
) -> Response {
    match h.add_user(&tenant, user) {
        Ok(view) => (StatusCode::CREATED, Json(view)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn get_user(
    State(h): State<EmulatorHandle>,
    Path((tenant, id)): Path<(String, String)>,
) -> Response {
    match h.user(&tenant, &id) {
        Some(view) => Json(view).into_response(),
        None => EmulatorError::UnknownUser(id).into_response(),
    }
}

async fn change_user(
    State(h): State<EmulatorHandle>,
    Path((tenant, id)): Path<(String, String)>,
    Json(change): Json<UserChange>,
) -> Response {
    if let Some(enabled) = change.account_enabled {
        if let Err(e) = h.set_user_enabled(&tenant, &id, enabled) {
            return e.into_response();
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn delete_user(
    State(h): State<EmulatorHandle>,
    Path((tenant, id)): Path<(String, String)>,
) -> Response {
    match h.delete_user(&tenant, &id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn add_app(
    State(h): State<EmulatorHandle>,
    Path(tenant): Path<String>,
    Json(app): Json<AppSeed>,
) -> Response {
    match h.add_app(&tenant, app) {
        Ok(()) => StatusCode::CREATED.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn tap_policy(State(h): State<EmulatorHandle>, Path(tenant): Path<String>) -> Response {
    match h.tap_policy(&tenant) {
        Ok(policy) => Json(policy).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn set_tap_policy(
    State(h): State<EmulatorHandle>,
    Path(tenant): Path<String>,
    Json(policy): Json<crate::TapPolicy>,
) -> Response {
    match h.set_tap_policy(&tenant, policy) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn requests(State(h): State<EmulatorHandle>) -> Response {
    Json(h.request_log()).into_response()
}

async fn clear_requests(State(h): State<EmulatorHandle>) -> StatusCode {
    h.clear_request_log();
    StatusCode::NO_CONTENT
}

async fn faults(State(h): State<EmulatorHandle>) -> Json<FaultConfig> {
    Json(h.faults())
}

async fn set_faults(
    State(h): State<EmulatorHandle>,
    Json(faults): Json<FaultConfig>,
) -> StatusCode {
    h.set_faults(faults);
    StatusCode::NO_CONTENT
}

async fn throttle(State(h): State<EmulatorHandle>) -> Json<ThrottleConfig> {
    Json(h.throttle())
}

async fn set_throttle(
    State(h): State<EmulatorHandle>,
    Json(throttle): Json<ThrottleConfig>,
) -> StatusCode {
    h.set_throttle(throttle);
    StatusCode::NO_CONTENT
}

async fn lag(State(h): State<EmulatorHandle>) -> Json<DurationBody> {
    Json(DurationBody {
        duration: h.replication_lag(),
    })
}

async fn set_lag(State(h): State<EmulatorHandle>, Json(body): Json<DurationBody>) -> StatusCode {
    h.set_replication_lag(body.duration);
    StatusCode::NO_CONTENT
}

async fn advance_clock(
    State(h): State<EmulatorHandle>,
    Json(body): Json<DurationBody>,
) -> Json<serde_json::Value> {
    h.advance_clock(body.duration);
    Json(json!({ "now": h.now() }))
}

async fn keys(State(h): State<EmulatorHandle>) -> Json<serde_json::Value> {
    Json(json!({ "keys": h.signing_key_ids() }))
}

async fn rotate_key(State(h): State<EmulatorHandle>) -> Response {
    match h.rotate_signing_key() {
        Ok(kid) => (StatusCode::CREATED, Json(json!({ "kid": kid }))).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn retire_key(State(h): State<EmulatorHandle>, Path(kid): Path<String>) -> Response {
    match h.retire_signing_key(&kid) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}
