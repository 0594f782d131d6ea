//! Errors as RFC 9457 `application/problem+json`, carrying the NATS API's `code` and
//! `details` so one client can branch the same way on both.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use leasehold_api::ErrorCode;
use serde_json::{json, Value};

use crate::client::ApiError;

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One refusal or failure of the HTTP API, answered as a
/// [`leasehold_api::http::Problem`] document.
#[derive(Debug)]
pub struct Problem {
    /// The documented code (`docs/errors.md`).
    pub code: ErrorCode,
    /// For people; never carries a secret.
    pub detail: String,
    /// The facts a program needs.
    pub details: Value,
    /// The HTTP status, when not the code's own (`405` for a method not allowed).
    pub status: Option<StatusCode>,
}

impl Problem {
    /// A problem with `code`, `detail` and no details.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            details: json!({}),
            status: None,
        }
    }

    /// The same problem answered with `status`.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// `invalid_request` naming what was wrong.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, detail)
    }

    /// `unauthenticated`, with the check that failed in `details.reason`.
    pub fn unauthenticated(reason: &str) -> Self {
        Self {
            code: ErrorCode::Unauthenticated,
            detail: format!("no valid bearer token: {reason}"),
            details: json!({ "reason": reason }),
            status: None,
        }
    }
}

impl From<leasehold_command::CommandError> for Problem {
    fn from(e: leasehold_command::CommandError) -> Self {
        Problem {
            code: e.code,
            detail: e.message,
            details: e.details,
            status: None,
        }
    }
}

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Refused {
                code,
                message,
                details,
            } => Problem {
                code,
                detail: message,
                details,
                status: None,
            },
            ApiError::NoAnswer { .. } => Problem::new(
                ErrorCode::Unavailable,
                "the engine did not answer; retry later",
            ),
            ApiError::Malformed(_) => {
                Problem::new(ErrorCode::Internal, "the engine's answer could not be read")
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or_else(|| {
            StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
        });
        let body = leasehold_api::http::Problem {
            kind: format!("urn:leasehold:error:{}", self.code),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.detail,
            code: self.code,
            details: self.details,
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if matches!(self.code, ErrorCode::Unauthenticated) {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        response
    }
}
