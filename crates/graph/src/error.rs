//! The one error type of the crate, and the small kind callers branch on.

use std::fmt;
use std::time::Duration;

/// What went wrong, reduced to what a caller needs to decide its next step.
///
/// Infrastructure codes (HTTP status, AAD `error`, Graph `error.code`) are translated into a
/// kind once, in `classify`; callers never parse messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// A server-side or network failure that may succeed when tried again (5xx, reset connection).
    Transient,
    /// The service asked us to slow down (429, or 503/504 carrying `Retry-After`).
    Throttled {
        /// How long the service asked us to wait, when it said so.
        retry_after: Option<Duration>,
    },
    /// No response within `GraphConfig::request_timeout`.
    Timeout,
    /// The credentials were refused: wrong/expired secret, unknown app or tenant, bad token (401).
    Auth,
    /// The user (or other resource) does not exist (404).
    NotFound,
    /// The app lacks a permission or directory role for this operation or target user (403).
    PermissionDenied,
    /// Entra rejected the password as not meeting its complexity policy.
    PasswordPolicy,
    /// The request itself is wrong (bad scope, bad query, other 4xx); retrying will not help.
    InvalidRequest,
    /// The service answered 2xx with a body this client cannot understand, or an unsafe paging link.
    UnexpectedResponse,
    /// The client could not be built or a configured endpoint is not a valid URL.
    Configuration,
}

impl ErrorKind {
    /// Short, stable label for logs and error messages.
    pub fn label(&self) -> &'static str {
        match self {
            ErrorKind::Transient => "transient",
            ErrorKind::Throttled { .. } => "throttled",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Auth => "auth",
            ErrorKind::NotFound => "not_found",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::PasswordPolicy => "password_policy",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::UnexpectedResponse => "unexpected_response",
            ErrorKind::Configuration => "configuration",
        }
    }
}

/// An error from the identity platform or Microsoft Graph.
///
/// `message` never contains a secret, password or token: it is built from the service's own
/// error text (first line only) or from our description of a network failure.
#[derive(Debug, Clone, thiserror::Error)]
pub struct GraphError {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    code: Option<String>,
    request_id: Option<String>,
}

impl GraphError {
    /// Creates an error of `kind`; also useful for fakes of the Graph client in other crates.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        GraphError {
            kind,
            message: message.into(),
            status: None,
            code: None,
            request_id: None,
        }
    }

    /// Sets the HTTP status the service answered with.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the Graph error code (`Request_ResourceNotFound`) or AAD code (`AADSTS7000215`).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the service's request id (Graph `request-id`, AAD `x-ms-request-id`/`trace_id`).
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// The kind callers branch on.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Whether trying the same call again later may succeed (transient, throttled, timeout).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Transient | ErrorKind::Throttled { .. } | ErrorKind::Timeout
        )
    }

    /// The `Retry-After` the service sent, if this is a throttling error that carried one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.kind {
            ErrorKind::Throttled { retry_after } => retry_after,
            _ => None,
        }
    }

    /// The service's request id, to quote when opening a support case with Microsoft.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The Graph error code or `AADSTSnnnn` code, when the service sent one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// Human-readable description (never contains secrets).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "graph {} error", self.kind.label())?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status}")?;
            if let Some(code) = &self.code {
                write!(f, ", {code}")?;
            }
            write!(f, ")")?;
        } else if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " [request-id {id}]")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_carries_status_code_and_request_id() {
        let e = GraphError::new(ErrorKind::NotFound, "no such user")
            .with_status(404)
            .with_code("Request_ResourceNotFound")
            .with_request_id(Some("abc".into()));
        assert_eq!(
            e.to_string(),
            "graph not_found error (HTTP 404, Request_ResourceNotFound): no such user [request-id abc]"
        );
        assert!(!e.is_retryable());
        assert_eq!(e.request_id(), Some("abc"));
    }

    #[test]
    fn retryable_kinds() {
        let throttled = GraphError::new(
            ErrorKind::Throttled {
                retry_after: Some(Duration::from_secs(3)),
            },
            "slow down",
        );
        assert!(throttled.is_retryable());
        assert_eq!(throttled.retry_after(), Some(Duration::from_secs(3)));
        assert!(GraphError::new(ErrorKind::Transient, "x").is_retryable());
        assert!(GraphError::new(ErrorKind::Timeout, "x").is_retryable());
        assert!(!GraphError::new(ErrorKind::Auth, "x").is_retryable());
        assert!(!GraphError::new(ErrorKind::PasswordPolicy, "x").is_retryable());
    }
}
