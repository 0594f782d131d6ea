//! `/v1/leases`: create (with TTL), list (filters, order, cursor), get (with the
//! credential on request), renew, revoke (one, or many by selector).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use leasehold_api::{
    CreateStatus, LeaseCreate, LeaseGet, LeaseList, LeaseRenew, LeaseRevoke, Operation, TtlInput,
};
use serde::Deserialize;

use super::{answer, body, idempotency_key, query, Gateway, Principal, Problem};

/// What `create` reads of a [`leasehold_api::LeaseCreated`] reply.
#[derive(Deserialize)]
struct Created {
    status: CreateStatus,
    lease: CreatedLease,
}

#[derive(Deserialize)]
struct CreatedLease {
    lease_id: String,
}

/// `POST /v1/leases` with `{"secret", "ttl"}`: `201` with the credential, or `202` while
/// activation is still `pending` (fetch it from the `Location` with `?credentials=true`).
pub async fn create(
    State(gw): State<Gateway>,
    who: Principal,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let input: LeaseCreate = body(&bytes)?;
    let request_id = idempotency_key(&headers)?;
    let reply = gw
        .send(&who, Operation::LeaseCreate, &input, request_id)
        .await?;
    // Only the status and the id are read: the credential is not copied.
    let created = Created::deserialize(&reply)
        .map_err(|_| Problem::new(leasehold_api::ErrorCode::Internal, "unreadable reply"))?;
    let status = match created.status {
        CreateStatus::Active => StatusCode::CREATED,
        CreateStatus::Pending => StatusCode::ACCEPTED,
    };
    let mut response = answer(status, reply);
    let location = format!("/v1/leases/{}", created.lease.lease_id);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `GET /v1/leases?secret=&status=&requested_by=&limit=&after=&order=`.
pub async fn list(
    State(gw): State<Gateway>,
    who: Principal,
    uri: Uri,
) -> Result<Response, Problem> {
    let filter: LeaseList = query(&uri)?;
    gw.read(&who, Operation::LeaseList, &filter).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GetParams {
    #[serde(default)]
    credentials: bool,
}

/// `GET /v1/leases/{id}` (`?credentials=true` for the requester's active credential).
pub async fn get(
    State(gw): State<Gateway>,
    who: Principal,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, Problem> {
    let params: GetParams = query(&uri)?;
    let input = LeaseGet {
        lease_id: id,
        credentials: params.credentials,
    };
    gw.read(&who, Operation::LeaseGet, &input).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenewBody {
    #[serde(default)]
    ttl: Option<TtlInput>,
    #[serde(default)]
    shorten: bool,
}

/// `POST /v1/leases/{id}/renew` with `{"ttl", "shorten"}` (both optional).
pub async fn renew(
    State(gw): State<Gateway>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let input: RenewBody = body(&bytes)?;
    let input = LeaseRenew {
        lease_id: id,
        ttl: input.ttl,
        shorten: input.shorten,
    };
    gw.change(
        &who,
        Operation::LeaseRenew,
        &input,
        &headers,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeParams {
    #[serde(default)]
    force: bool,
}

/// `DELETE /v1/leases/{id}` (`?force=true` to close it without Graph's confirmation):
/// `202`, the revocation completes in the background.
pub async fn revoke(
    State(gw): State<Gateway>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Problem> {
    let params: RevokeParams = query(&uri)?;
    let input = LeaseRevoke {
        lease_id: Some(id),
        force: params.force,
        ..LeaseRevoke::default()
    };
    let op = Operation::LeaseRevoke;
    gw.change(&who, op, &input, &headers, StatusCode::ACCEPTED)
        .await
}

/// `POST /v1/leases/revoke` with the NATS payload of `lease.revoke`: the live lease of a
/// secret, or (administrators) every live lease of a prefix, connection or requester.
pub async fn revoke_many(
    State(gw): State<Gateway>,
    who: Principal,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let input: LeaseRevoke = body(&bytes)?;
    let op = Operation::LeaseRevoke;
    gw.change(&who, op, &input, &headers, StatusCode::ACCEPTED)
        .await
}
