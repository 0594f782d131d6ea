//! `/v1/connections`: create, list, get, check, rotate the client secret, delete, and
//! the tenant's users for picking.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use leasehold_api::{ByName, ConnectionCreate, ConnectionRotate, Empty, Operation, UsersList};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{body, query, Gateway, Principal, Problem};

/// `POST /v1/connections` with the `connection.create` payload: `201`.
pub async fn create(
    State(gw): State<Gateway>,
    who: Principal,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    // Checked against the contract type, then sent as given: the client secret is
    // never held in a copy of our own.
    let _: ConnectionCreate = body(&bytes)?;
    let input: Value = body(&bytes)?;
    let op = Operation::ConnectionCreate;
    gw.change(&who, op, &input, &headers, StatusCode::CREATED)
        .await
}

/// `GET /v1/connections`.
pub async fn list(State(gw): State<Gateway>, who: Principal) -> Result<Response, Problem> {
    gw.read(&who, Operation::ConnectionList, &Empty {}).await
}

/// `GET /v1/connections/{name}`.
pub async fn get(
    State(gw): State<Gateway>,
    who: Principal,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    gw.read(&who, Operation::ConnectionGet, &ByName { name })
        .await
}

/// `GET /v1/connections/{name}/health`: a fresh token, what it grants, the last Graph
/// failure.
pub async fn health(
    State(gw): State<Gateway>,
    who: Principal,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    gw.read(&who, Operation::ConnectionCheck, &ByName { name })
        .await
}

/// `POST /v1/connections/{name}/rotate` with `{"client_secret", "skip_verify"}`.
pub async fn rotate(
    State(gw): State<Gateway>,
    who: Principal,
    Path(name): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let mut input: Value = body(&bytes)?;
    if let Some(fields) = input.as_object_mut() {
        fields.insert("name".into(), json!(name));
    }
    let _: ConnectionRotate = body(&serde_json::to_vec(&input).unwrap_or_default())?;
    let op = Operation::ConnectionRotate;
    gw.change(&who, op, &input, &headers, StatusCode::OK).await
}

/// `DELETE /v1/connections/{name}`.
pub async fn delete(
    State(gw): State<Gateway>,
    who: Principal,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let op = Operation::ConnectionDelete;
    gw.change(&who, op, &ByName { name }, &headers, StatusCode::OK)
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersParams {
    #[serde(default)]
    starts_with: Option<String>,
}

/// `GET /v1/connections/{name}/users?starts_with=`: the tenant's users (every page).
pub async fn users(
    State(gw): State<Gateway>,
    who: Principal,
    Path(name): Path<String>,
    uri: Uri,
) -> Result<Response, Problem> {
    let params: UsersParams = query(&uri)?;
    let input = UsersList {
        connection: name,
        starts_with: params.starts_with,
    };
    gw.read(&who, Operation::UsersList, &input).await
}
