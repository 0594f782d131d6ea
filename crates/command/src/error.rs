//! The one error type the command side returns: a code from the closed list in
//! `docs/errors.md`, a human message, and structured details. Never holds a secret.

use leasehold_api::{ErrorBody, ErrorCode};
use leasehold_domain::{Coded, ConnectionError, LeaseError, ParseError, SecretError};
use serde::Serialize;
use serde_json::{json, Value};

/// An error as the NATS API replies it: `{"error": {"code", "message", "details"}}`.
#[derive(Clone, Debug, PartialEq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CommandError {
    /// A code from the closed list (`leasehold_api::ErrorCode`).
    pub code: ErrorCode,
    /// What went wrong and, where it helps, what to do next.
    pub message: String,
    /// Structured facts for programs (ids, limits, times).
    pub details: Value,
}

impl CommandError {
    /// An error with the given code, message and details.
    pub fn new(code: ErrorCode, message: impl Into<String>, details: Value) -> Self {
        Self {
            code,
            message: message.into(),
            details,
        }
    }

    /// The request was malformed.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message, json!({}))
    }

    /// The named thing does not exist.
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            ErrorCode::NotFound,
            format!("{kind} {id} does not exist"),
            json!({ "kind": kind, "id": id }),
        )
    }

    /// Concurrent changes kept winning; the client may retry.
    pub fn conflict(aggregate: &str, id: &str) -> Self {
        Self::new(
            ErrorCode::Conflict,
            format!("{aggregate} {id} kept changing under concurrent requests; retry"),
            json!({ "aggregate": aggregate, "id": id }),
        )
    }

    /// Postgres (or another dependency) is unavailable; the client may retry later.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unavailable, reason, json!({}))
    }

    /// Something that should not happen; details are in the server log.
    pub fn internal(reason: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, reason, json!({}))
    }
}

fn from_code<E: Coded + std::fmt::Display>(e: E) -> CommandError {
    CommandError::new(e.code(), e.to_string(), e.details())
}

impl CommandError {
    /// Whether this is a `code` error: how callers branch on an outcome.
    pub fn is(&self, code: ErrorCode) -> bool {
        code == self.code
    }

    /// Fills a `not_found` without details (a domain error does not know the name it was
    /// looked up by) with the `kind` and `id` that `docs/errors.md` promises.
    pub fn naming(mut self, kind: &str, id: &str) -> Self {
        let empty = self.details.as_object().is_none_or(|d| d.is_empty());
        if self.is(ErrorCode::NotFound) && empty {
            self.details = json!({ "kind": kind, "id": id });
        }
        self
    }
}

impl From<CommandError> for ErrorBody {
    fn from(e: CommandError) -> Self {
        ErrorBody {
            code: e.code,
            message: e.message,
            details: e.details,
        }
    }
}

impl From<ConnectionError> for CommandError {
    fn from(e: ConnectionError) -> Self {
        from_code(e)
    }
}

impl From<SecretError> for CommandError {
    fn from(e: SecretError) -> Self {
        from_code(e)
    }
}

impl From<LeaseError> for CommandError {
    fn from(e: LeaseError) -> Self {
        from_code(e)
    }
}

impl From<ParseError> for CommandError {
    fn from(e: ParseError) -> Self {
        from_code(e)
    }
}
