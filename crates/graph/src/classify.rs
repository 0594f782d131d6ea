//! Translating identity-platform and Graph error responses into [`GraphError`]s, once.

use serde::Deserialize;
use std::time::Duration;

use crate::error::{ErrorKind, GraphError};

/// What the failed request was doing; a 400 means different things for different calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    /// A read; a 400 is just a bad request.
    Read,
    /// A write other than a password change; a 400 is just a bad request.
    Write,
    /// `PATCH passwordProfile`: a 400 `Request_BadRequest` is a password-policy rejection.
    SetPassword,
}

/// The parts of a failed HTTP response classification needs.
#[derive(Debug, Clone)]
pub(crate) struct FailedResponse<'a> {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub request_id: Option<String>,
    pub body: &'a [u8],
}

#[derive(Deserialize)]
struct GraphEnvelope {
    error: GraphErrorBody,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default, rename = "innerError")]
    inner_error: Option<InnerError>,
}

#[derive(Deserialize)]
struct InnerError {
    #[serde(default, rename = "request-id")]
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct TokenErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u64>,
    #[serde(default)]
    trace_id: Option<String>,
}

/// Kind for a status when the body says nothing more specific.
fn kind_for_status(status: u16, retry_after: Option<Duration>) -> ErrorKind {
    match status {
        429 => ErrorKind::Throttled { retry_after },
        503 | 504 if retry_after.is_some() => ErrorKind::Throttled { retry_after },
        408 => ErrorKind::Timeout,
        401 => ErrorKind::Auth,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        s if s >= 500 => ErrorKind::Transient,
        _ => ErrorKind::InvalidRequest,
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    line.chars().take(500).collect()
}

fn is_password_complexity(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("password complexity") || m.contains("password does not comply")
}

/// Classifies a failed Graph response (`{"error":{"code","message","innerError"}}`).
pub(crate) fn graph_error(resp: &FailedResponse<'_>, op: Operation) -> GraphError {
    let envelope = serde_json::from_slice::<GraphEnvelope>(resp.body).ok();
    let (code, message, inner_request_id) = match envelope {
        Some(GraphEnvelope { error }) => (
            error.code,
            error.message.map(|m| first_line(&m)),
            error.inner_error.and_then(|i| i.request_id),
        ),
        None => (None, None, None),
    };
    let message = message.unwrap_or_else(|| format!("HTTP {} from Microsoft Graph", resp.status));
    let kind = match (resp.status, code.as_deref()) {
        (400, _) if is_password_complexity(&message) => ErrorKind::PasswordPolicy,
        (400, Some("Request_BadRequest")) if op == Operation::SetPassword => {
            ErrorKind::PasswordPolicy
        }
        (429, _) => ErrorKind::Throttled {
            retry_after: resp.retry_after,
        },
        (_, Some("Request_ThrottledTemporarily")) => ErrorKind::Throttled {
            retry_after: resp.retry_after,
        },
        (_, Some("Authorization_RequestDenied")) => ErrorKind::PermissionDenied,
        (_, Some("Request_ResourceNotFound")) => ErrorKind::NotFound,
        (status, _) => kind_for_status(status, resp.retry_after),
    };
    let mut err = GraphError::new(kind, message)
        .with_status(resp.status)
        .with_request_id(resp.request_id.clone().or(inner_request_id));
    if let Some(code) = code {
        err = err.with_code(code);
    }
    err
}

/// Classifies a failed token-endpoint response by its OAuth `error`, never by its text.
pub(crate) fn token_error(resp: &FailedResponse<'_>) -> GraphError {
    let Ok(body) = serde_json::from_slice::<TokenErrorBody>(resp.body) else {
        let kind = kind_for_status(resp.status, resp.retry_after);
        return GraphError::new(
            kind,
            format!("HTTP {} from the token endpoint", resp.status),
        )
        .with_status(resp.status)
        .with_request_id(resp.request_id.clone());
    };
    let kind = match body.error.as_str() {
        "invalid_client" | "unauthorized_client" | "invalid_tenant" | "invalid_grant" => {
            ErrorKind::Auth
        }
        "invalid_scope" | "invalid_request" | "unsupported_grant_type" => ErrorKind::InvalidRequest,
        "temporarily_unavailable" | "server_error" => {
            kind_for_status(resp.status.max(500), resp.retry_after)
        }
        _ => kind_for_status(resp.status, resp.retry_after),
    };
    // The description is "AADSTSnnnn: text\r\nTrace ID: …"; keep the first line only.
    let description = body
        .error_description
        .as_deref()
        .map(first_line)
        .unwrap_or_default();
    let message = if description.is_empty() {
        body.error.clone()
    } else {
        format!("{}: {}", body.error, description)
    };
    let code = match body.error_codes.first() {
        Some(n) => format!("AADSTS{n}"),
        None => body.error,
    };
    GraphError::new(kind, message)
        .with_status(resp.status)
        .with_code(code)
        .with_request_id(resp.request_id.clone().or(body.trace_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(status: u16, body: &str) -> FailedResponse<'_> {
        FailedResponse {
            status,
            retry_after: None,
            request_id: Some("req-1".into()),
            body: body.as_bytes(),
        }
    }

    fn graph_body(code: &str, message: &str) -> String {
        serde_json::json!({"error": {"code": code, "message": message,
            "innerError": {"date": "2024-01-01T00:00:00", "request-id": "inner-id"}}})
        .to_string()
    }

    #[test]
    fn graph_not_found() {
        let body = graph_body("Request_ResourceNotFound", "Resource 'x' does not exist.");
        let e = graph_error(&failed(404, &body), Operation::Read);
        assert_eq!(e.kind(), &ErrorKind::NotFound);
        assert_eq!(e.code(), Some("Request_ResourceNotFound"));
        assert_eq!(e.request_id(), Some("req-1"));
        assert_eq!(e.status(), Some(404));
    }

    #[test]
    fn graph_permission_denied() {
        let body = graph_body(
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        );
        let e = graph_error(&failed(403, &body), Operation::SetPassword);
        assert_eq!(e.kind(), &ErrorKind::PermissionDenied);
    }

    #[test]
    fn graph_password_policy() {
        let body = graph_body(
            "Request_BadRequest",
            "The specified password does not comply with password complexity requirements. Please provide a different password.",
        );
        assert_eq!(
            graph_error(&failed(400, &body), Operation::Read).kind(),
            &ErrorKind::PasswordPolicy
        );
        let vague = graph_body("Request_BadRequest", "Invalid value specified.");
        assert_eq!(
            graph_error(&failed(400, &vague), Operation::SetPassword).kind(),
            &ErrorKind::PasswordPolicy
        );
        assert_eq!(
            graph_error(&failed(400, &vague), Operation::Read).kind(),
            &ErrorKind::InvalidRequest
        );
    }

    #[test]
    fn graph_throttling_transient_and_auth() {
        let mut resp = failed(429, r#"{"error":{"code":"TooManyRequests","message":"x"}}"#);
        resp.retry_after = Some(Duration::from_secs(7));
        let e = graph_error(&resp, Operation::Read);
        assert_eq!(
            e.kind(),
            &ErrorKind::Throttled {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        let e = graph_error(&failed(503, "<html>busy</html>"), Operation::Read);
        assert_eq!(e.kind(), &ErrorKind::Transient);
        assert_eq!(e.message(), "HTTP 503 from Microsoft Graph");
        let mut resp = failed(503, "");
        resp.retry_after = Some(Duration::from_secs(2));
        assert!(matches!(
            graph_error(&resp, Operation::Read).kind(),
            ErrorKind::Throttled { .. }
        ));
        let body = graph_body("InvalidAuthenticationToken", "Access token has expired.");
        assert_eq!(
            graph_error(&failed(401, &body), Operation::Read).kind(),
            &ErrorKind::Auth
        );
    }

    #[test]
    fn graph_request_id_falls_back_to_inner_error() {
        let body = graph_body("Request_ResourceNotFound", "gone");
        let mut resp = failed(404, &body);
        resp.request_id = None;
        assert_eq!(
            graph_error(&resp, Operation::Read).request_id(),
            Some("inner-id")
        );
    }

    fn token_body(error: &str, code: u64) -> String {
        serde_json::json!({
            "error": error,
            "error_description": format!("AADSTS{code}: Something happened.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2024"),
            "error_codes": [code], "timestamp": "2024", "trace_id": "trace-1", "correlation_id": "c"
        })
        .to_string()
    }

    #[test]
    fn token_errors_branch_on_the_error_field() {
        let cases = [
            (401, "invalid_client", 7000215, ErrorKind::Auth),
            (400, "unauthorized_client", 700016, ErrorKind::Auth),
            (400, "invalid_tenant", 90002, ErrorKind::Auth),
            (400, "invalid_scope", 70011, ErrorKind::InvalidRequest),
            (503, "temporarily_unavailable", 90033, ErrorKind::Transient),
        ];
        for (status, error, code, kind) in cases {
            let body = token_body(error, code);
            let mut resp = failed(status, &body);
            resp.request_id = None;
            let e = token_error(&resp);
            assert_eq!(e.kind(), &kind, "{error}");
            assert_eq!(e.code(), Some(format!("AADSTS{code}").as_str()));
            assert_eq!(e.request_id(), Some("trace-1"));
            assert!(e.message().starts_with(error));
            assert!(!e.message().contains("Trace ID"));
        }
    }

    #[test]
    fn token_5xx_without_json_is_transient() {
        let e = token_error(&failed(502, "Bad Gateway"));
        assert_eq!(e.kind(), &ErrorKind::Transient);
        assert_eq!(e.status(), Some(502));
    }
}
