//! Audit: the history of a lease or a secret, who held a user's password at a time, and
//! the store's integrity check.

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use leasehold_api::{AuditAt, AuditHistory, AuditVerify, LogHead, Operation};
use serde::Deserialize;
use serde_json::json;

use super::{query, Gateway, Principal, Problem};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageParams {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<u32>,
}

async fn history(
    gw: &Gateway,
    who: &Principal,
    uri: &Uri,
    target: AuditHistory,
) -> Result<Response, Problem> {
    let page: PageParams = query(uri)?;
    let input = AuditHistory {
        after: page.after,
        limit: page.limit,
        ..target
    };
    gw.read(who, Operation::AuditHistory, &input).await
}

/// `GET /v1/leases/{id}/history?after=&limit=`.
pub async fn lease_history(
    State(gw): State<Gateway>,
    who: Principal,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, Problem> {
    let target = AuditHistory {
        lease_id: Some(id),
        ..AuditHistory::default()
    };
    history(&gw, &who, &uri, target).await
}

/// `GET /v1/secrets/{name}/history?after=&limit=`.
pub async fn secret_history(
    State(gw): State<Gateway>,
    who: Principal,
    Path(name): Path<String>,
    uri: Uri,
) -> Result<Response, Problem> {
    let target = AuditHistory {
        secret: Some(name),
        ..AuditHistory::default()
    };
    history(&gw, &who, &uri, target).await
}

/// `GET /v1/audit/at?user=&time=`: who held a working password for `user` at `time`.
pub async fn at(State(gw): State<Gateway>, who: Principal, uri: Uri) -> Result<Response, Problem> {
    let input: AuditAt = query(&uri)?;
    gw.read(&who, Operation::AuditAt, &input).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgainstParams {
    #[serde(default)]
    position: Option<i64>,
    #[serde(default)]
    running_hash: Option<String>,
}

/// `GET /v1/audit/verify[?position=&running_hash=]`: checks the event store's hash
/// chains, and that the log still runs through a head `GET /v1/audit/anchor` gave.
pub async fn verify(
    State(gw): State<Gateway>,
    who: Principal,
    uri: Uri,
) -> Result<Response, Problem> {
    let params: AgainstParams = query(&uri)?;
    let against = match (params.position, params.running_hash) {
        (None, None) => None,
        (Some(position), running_hash) => Some(LogHead {
            position,
            running_hash: running_hash.unwrap_or_default(),
        }),
        (None, Some(_)) => {
            return Err(Problem::invalid(
                "running_hash needs the position of the anchor it came with",
            ))
        }
    };
    gw.read(&who, Operation::AuditVerify, &AuditVerify { against })
        .await
}

/// `GET /v1/audit/anchor`: where the global event log ends now, for a checkpoint the
/// caller keeps and later passes to `GET /v1/audit/verify?position=&running_hash=`.
pub async fn anchor(State(gw): State<Gateway>, who: Principal) -> Result<Response, Problem> {
    gw.read(&who, Operation::AuditAnchor, &json!({})).await
}
