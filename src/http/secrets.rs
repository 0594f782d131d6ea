//! `/v1/secrets`: create (one per selected user), list, get, update TTLs, delete.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use leasehold_api::{
    ByName, Operation, SecretCreate, SecretList, SecretUpdate, SecretsCreated, TtlInput,
};
use serde::Deserialize;

use super::{answer, body, idempotency_key, query, Gateway, Principal, Problem};

/// `POST /v1/secrets` with the `secret.create` payload: `201` when at least one secret
/// was made (users that failed are listed in `failed`), else `200`.
pub async fn create(
    State(gw): State<Gateway>,
    who: Principal,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let input: SecretCreate = body(&bytes)?;
    let request_id = idempotency_key(&headers)?;
    let reply = gw
        .send(&who, Operation::SecretCreate, &input, request_id)
        .await?;
    let made = SecretsCreated::deserialize(&reply).is_ok_and(|r| !r.created.is_empty());
    let status = if made {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(answer(status, reply))
}

/// `GET /v1/secrets?connection=&limit=&after=`.
pub async fn list(
    State(gw): State<Gateway>,
    who: Principal,
    uri: Uri,
) -> Result<Response, Problem> {
    let filter: SecretList = query(&uri)?;
    gw.read(&who, Operation::SecretList, &filter).await
}

/// `GET /v1/secrets/{name}`.
pub async fn get(
    State(gw): State<Gateway>,
    who: Principal,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    gw.read(&who, Operation::SecretGet, &ByName { name }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default)]
    default_ttl: Option<TtlInput>,
    #[serde(default)]
    max_ttl: Option<TtlInput>,
    #[serde(default)]
    connection: Option<String>,
}

/// `PATCH /v1/secrets/{name}` with `{"default_ttl", "max_ttl", "connection"}`.
pub async fn update(
    State(gw): State<Gateway>,
    who: Principal,
    Path(name): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let change: UpdateBody = body(&bytes)?;
    let input = SecretUpdate {
        name,
        default_ttl: change.default_ttl,
        max_ttl: change.max_ttl,
        connection: change.connection,
    };
    gw.change(
        &who,
        Operation::SecretUpdate,
        &input,
        &headers,
        StatusCode::OK,
    )
    .await
}

/// `DELETE /v1/secrets/{name}` (revokes its live lease first).
pub async fn delete(
    State(gw): State<Gateway>,
    who: Principal,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let input = ByName { name };
    gw.change(
        &who,
        Operation::SecretDelete,
        &input,
        &headers,
        StatusCode::OK,
    )
    .await
}
