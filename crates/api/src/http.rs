//! The HTTP API's routes as data: which method and path serve which operation, where
//! the request fields travel (path, query string or JSON body) and the success status.
//! The gateway serves exactly these (a test checks it) and the OpenAPI document is
//! generated from them and the types.

use crate::Operation;

/// Where the fields of an operation's request (other than path parameters) travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fields {
    /// A JSON body.
    Body,
    /// The query string.
    Query,
    /// Only the path, or nothing.
    None,
}

/// One route of the HTTP API.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    /// `GET`, `POST`, `PATCH` or `DELETE`.
    pub method: &'static str,
    /// The path, with `{param}` segments.
    pub path: &'static str,
    /// The operation it runs.
    pub op: Operation,
    /// `(path parameter, request field)` pairs.
    pub path_fields: &'static [(&'static str, &'static str)],
    /// Where the other fields travel.
    pub fields: Fields,
    /// The request fields this route accepts besides the path's; `None` for all.
    pub only: Option<&'static [&'static str]>,
    /// The status of a success (`lease.create` also answers `202` while pending).
    pub status: u16,
}

const fn route(
    method: &'static str,
    path: &'static str,
    op: Operation,
    path_fields: &'static [(&'static str, &'static str)],
    fields: Fields,
    status: u16,
) -> Route {
    Route {
        method,
        path,
        op,
        path_fields,
        fields,
        only: None,
        status,
    }
}

const LEASE: &[(&str, &str)] = &[("id", "lease_id")];
const NAME: &[(&str, &str)] = &[("name", "name")];
const SECRET: &[(&str, &str)] = &[("name", "secret")];
const CONNECTION: &[(&str, &str)] = &[("name", "connection")];

/// Every route, in the order `docs/http-api.md` lists them.
pub const ROUTES: &[Route] = &[
    route(
        "POST",
        "/v1/connections",
        Operation::ConnectionCreate,
        &[],
        Fields::Body,
        201,
    ),
    route(
        "GET",
        "/v1/connections",
        Operation::ConnectionList,
        &[],
        Fields::None,
        200,
    ),
    route(
        "GET",
        "/v1/connections/{name}",
        Operation::ConnectionGet,
        NAME,
        Fields::None,
        200,
    ),
    route(
        "POST",
        "/v1/connections/{name}/rotate",
        Operation::ConnectionRotate,
        NAME,
        Fields::Body,
        200,
    ),
    route(
        "DELETE",
        "/v1/connections/{name}",
        Operation::ConnectionDelete,
        NAME,
        Fields::None,
        200,
    ),
    route(
        "GET",
        "/v1/connections/{name}/health",
        Operation::ConnectionCheck,
        NAME,
        Fields::None,
        200,
    ),
    route(
        "GET",
        "/v1/connections/{name}/users",
        Operation::UsersList,
        CONNECTION,
        Fields::Query,
        200,
    ),
    route(
        "POST",
        "/v1/secrets",
        Operation::SecretCreate,
        &[],
        Fields::Body,
        201,
    ),
    route(
        "GET",
        "/v1/secrets",
        Operation::SecretList,
        &[],
        Fields::Query,
        200,
    ),
    route(
        "GET",
        "/v1/secrets/{name}",
        Operation::SecretGet,
        NAME,
        Fields::None,
        200,
    ),
    route(
        "PATCH",
        "/v1/secrets/{name}",
        Operation::SecretUpdate,
        NAME,
        Fields::Body,
        200,
    ),
    route(
        "DELETE",
        "/v1/secrets/{name}",
        Operation::SecretDelete,
        NAME,
        Fields::None,
        200,
    ),
    Route {
        only: Some(&["after", "limit"]),
        ..route(
            "GET",
            "/v1/secrets/{name}/history",
            Operation::AuditHistory,
            SECRET,
            Fields::Query,
            200,
        )
    },
    route(
        "POST",
        "/v1/leases",
        Operation::LeaseCreate,
        &[],
        Fields::Body,
        201,
    ),
    route(
        "GET",
        "/v1/leases",
        Operation::LeaseList,
        &[],
        Fields::Query,
        200,
    ),
    route(
        "GET",
        "/v1/leases/{id}",
        Operation::LeaseGet,
        LEASE,
        Fields::Query,
        200,
    ),
    route(
        "POST",
        "/v1/leases/{id}/renew",
        Operation::LeaseRenew,
        LEASE,
        Fields::Body,
        200,
    ),
    Route {
        only: Some(&["force"]),
        ..route(
            "DELETE",
            "/v1/leases/{id}",
            Operation::LeaseRevoke,
            LEASE,
            Fields::Query,
            202,
        )
    },
    route(
        "POST",
        "/v1/leases/revoke",
        Operation::LeaseRevoke,
        &[],
        Fields::Body,
        202,
    ),
    Route {
        only: Some(&["after", "limit"]),
        ..route(
            "GET",
            "/v1/leases/{id}/history",
            Operation::AuditHistory,
            LEASE,
            Fields::Query,
            200,
        )
    },
    route(
        "GET",
        "/v1/audit/at",
        Operation::AuditAt,
        &[],
        Fields::Query,
        200,
    ),
    route(
        "GET",
        "/v1/audit/export",
        Operation::AuditExport,
        &[],
        Fields::Query,
        200,
    ),
    route(
        "GET",
        "/v1/audit/anchor",
        Operation::AuditAnchor,
        &[],
        Fields::None,
        200,
    ),
    route(
        "GET",
        "/v1/audit/verify",
        Operation::AuditVerify,
        &[],
        Fields::None,
        200,
    ),
];

/// The media type of a route's success: `audit.export` streams NDJSON, one event per
/// line; everything else answers one JSON document.
pub fn media_type(op: Operation) -> &'static str {
    match op {
        Operation::AuditExport => "application/x-ndjson",
        _ => "application/json",
    }
}

/// An error of the HTTP API: an RFC 9457 problem document (`application/problem+json`)
/// carrying the same `code` and `details` as the NATS API's error body.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Problem {
    /// `urn:leasehold:error:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP status's reason phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, for people.
    pub detail: String,
    /// The code clients branch on.
    pub code: crate::ErrorCode,
    /// The facts a program needs (`docs/errors.md`).
    #[serde(default)]
    pub details: serde_json::Value,
}
