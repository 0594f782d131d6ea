//! The reply envelope: `{"ok": …}` or `{"error": {"code", "message", "details"}}`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ErrorCode;

/// Every reply on a leasehold subject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reply<T> {
    /// Success with its result.
    Ok(T),
    /// Failure with a documented code.
    Error(ErrorBody),
}

impl<T> Reply<T> {
    /// The result, or the error body.
    pub fn into_result(self) -> Result<T, ErrorBody> {
        match self {
            Reply::Ok(t) => Ok(t),
            Reply::Error(e) => Err(e),
        }
    }
}

/// An error as replied: a code from the closed list, a message for people, and the
/// facts a program needs (`docs/errors.md` lists them per code).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// The stable code clients branch on.
    pub code: ErrorCode,
    /// What went wrong; may change between versions.
    pub message: String,
    /// Structured facts (an object, possibly empty).
    #[serde(default)]
    pub details: Value,
}
