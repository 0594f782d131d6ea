//! Reply envelopes: `{"ok": …}` or `{"error": {"code", "message", "details"}}`.

use bytes::Bytes;
use leasehold_api::ErrorCode;
use serde::Serialize;
use serde_json::{json, Value};
use zeroize::Zeroize;

/// Encodes a successful reply.
pub fn ok_body(result: &impl Serialize) -> Vec<u8> {
    let value = serde_json::to_value(result).unwrap_or(Value::Null);
    json!({ "ok": value }).to_string().into_bytes()
}

/// Encodes an error reply (decoded by [`leasehold_api::Reply`]).
pub fn error_body(code: ErrorCode, message: &str, details: &Value) -> Vec<u8> {
    json!({ "error": { "code": code, "message": message, "details": details } })
        .to_string()
        .into_bytes()
}

/// A reply body as a NATS payload whose buffer is zeroed when the last reference to it
/// is dropped (after async-nats has written it), instead of being freed as is: replies
/// may carry a leased password.
pub fn reply_payload(body: Vec<u8>) -> Bytes {
    Bytes::from_owner(WipedOnDrop(body))
}

/// A byte buffer that zeroes itself on drop.
struct WipedOnDrop(Vec<u8>);

impl AsRef<[u8]> for WipedOnDrop {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for WipedOnDrop {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use leasehold_api::Reply;

    use super::*;

    #[test]
    fn envelopes_round_trip() {
        let ok: Reply<Value> = serde_json::from_slice(&ok_body(&json!({"a": 1}))).expect("ok");
        assert_eq!(ok, Reply::Ok(json!({"a": 1})));
        let err: Reply<Value> =
            serde_json::from_slice(&error_body(ErrorCode::NotFound, "no", &json!({})))
                .expect("err");
        assert!(matches!(err, Reply::Error(e) if e.code == ErrorCode::NotFound));
    }

    #[test]
    fn a_reply_payload_reads_as_the_body() {
        let payload = reply_payload(b"{\"ok\":1}".to_vec());
        assert_eq!(&payload[..], b"{\"ok\":1}");
    }
}
