//! What stands between a request handler and the wire: a panic becomes an `internal`
//! reply instead of silence, and reply bodies that may carry a secret are wiped from
//! memory once sent.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use serde_json::{json, Value};
use zeroize::Zeroize;

use crate::CommandError;

/// Runs a handler future, turning a panic inside it into an `internal` error.
///
/// The panic is logged without its message: a message may quote request input (a
/// slicing panic prints the string it sliced), and request input may be a secret.
/// Unwinding cannot leave shared state half-changed here: the service's shared pieces
/// are a pool, a rate limiter and semaphores, none of which a handler holds a lock on.
pub async fn catch_panic<F>(service: &'static str, handler: F) -> Result<Value, CommandError>
where
    F: Future<Output = Result<Value, CommandError>>,
{
    match AssertUnwindSafe(handler).catch_unwind().await {
        Ok(result) => result,
        Err(_) => {
            tracing::error!(
                service,
                "a request handler panicked; answered `internal` and kept serving"
            );
            Err(CommandError::internal(
                "the request could not be handled; the server log has the details",
            ))
        }
    }
}

/// Encodes a reply as `{"ok": …}` or `{"error": …}` and wipes the strings of the
/// result value (a credential, in a `lease.create` reply) once they are encoded.
pub fn reply_body(result: Result<Value, CommandError>) -> Vec<u8> {
    let mut envelope = match result {
        Ok(value) => json!({ "ok": value }),
        Err(e) => {
            json!({ "error": { "code": e.code, "message": e.message, "details": e.details } })
        }
    };
    // Serialising a `Value` cannot fail: its map keys are strings.
    let body = serde_json::to_vec(&envelope).unwrap_or_default();
    wipe_strings(&mut envelope);
    body
}

/// Overwrites every string in `value` with zeros (object keys are field names, not
/// secrets, and are left alone).
pub fn wipe_strings(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe_strings),
        Value::Object(map) => map.values_mut().for_each(wipe_strings),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_is_an_internal_error() {
        let result = catch_panic("test", async { panic!("boom") }).await;
        assert_eq!(result.unwrap_err().code, leasehold_api::ErrorCode::Internal);
        let fine = catch_panic("test", async { Ok(json!(1)) }).await;
        assert_eq!(fine.expect("ok"), json!(1));
    }

    #[test]
    fn replies_keep_their_envelope_and_strings_are_wiped() {
        let body = reply_body(Ok(json!({ "password": "hunter2", "n": [ "x" ] })));
        let back: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(back["ok"]["password"], "hunter2");
        let body = reply_body(Err(CommandError::invalid_request("bad")));
        let back: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(back["error"]["code"], "invalid_request");
        let mut value = json!({ "password": "hunter2", "n": [ "x" ] });
        wipe_strings(&mut value);
        assert_eq!(value["password"], "");
        assert_eq!(value["n"][0], "");
    }
}
