//! Reply envelopes: `{"ok": …}` or `{"error": {"code", "message", "details"}}`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A decoded reply, for clients and tests.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ReplyBody {
    /// Success with its result.
    Ok(Value),
    /// Failure with a documented code.
    Error {
        /// The error code.
        code: String,
        /// A human message.
        message: String,
        /// Structured facts.
        #[serde(default)]
        details: Value,
    },
}

/// Encodes a successful reply.
pub fn ok_body(result: &impl Serialize) -> Vec<u8> {
    let value = serde_json::to_value(result).unwrap_or(Value::Null);
    json!({ "ok": value }).to_string().into_bytes()
}

/// Encodes an error reply.
pub fn error_body(code: &str, message: &str, details: &Value) -> Vec<u8> {
    json!({ "error": { "code": code, "message": message, "details": details } })
        .to_string()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_round_trip() {
        let ok: ReplyBody = serde_json::from_slice(&ok_body(&json!({"a": 1}))).expect("ok");
        assert_eq!(ok, ReplyBody::Ok(json!({"a": 1})));
        let err: ReplyBody =
            serde_json::from_slice(&error_body("not_found", "no", &json!({}))).expect("err");
        assert!(matches!(err, ReplyBody::Error { code, .. } if code == "not_found"));
    }
}
