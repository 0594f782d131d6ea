//! Removing sealed values from event payloads before they leave the audit functions.
//!
//! A sealed value is useless without its data key, but its key id, nonce and ciphertext
//! still have no business in an audit trail or a SIEM: offline attacks need ciphertext,
//! and key ids tell which keys are worth stealing. Every sealed value becomes `"[sealed]"`.

use serde_json::Value;

/// What a sealed value is replaced with.
pub const SEALED: &str = "[sealed]";

/// Fields that hold a sealed value in the current event schema (`LeaseActivated.credential`,
/// `ConnectionCreated/ConnectionSecretRotated.client_secret`).
const SEALED_FIELDS: &[&str] = &["credential", "client_secret"];

/// `value` with every sealed value replaced by `"[sealed]"`: the known sealed fields, and
/// any object shaped like a `Sealed` (it has a `ciphertext`), wherever it appears — so a
/// future event with a sealed field of another name is redacted too.
pub fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) if map.contains_key("ciphertext") => Value::String(SEALED.into()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    if SEALED_FIELDS.contains(&key.as_str()) && !value.is_null() {
                        (key, Value::String(SEALED.into()))
                    } else {
                        (key, redact(value))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sealed_values_become_a_marker() {
        let payload = json!({"LeaseActivated": {
            "credential": {"key_id": "lease:1:2", "nonce": "bm9uY2U=", "ciphertext": "Y2lwaGVy"},
            "activated_at": "2026-11-27T12:01:00Z"
        }});
        assert_eq!(
            redact(payload),
            json!({"LeaseActivated": {"credential": "[sealed]", "activated_at": "2026-11-27T12:01:00Z"}})
        );
    }

    #[test]
    fn unknown_sealed_shapes_are_caught_anywhere() {
        let payload = json!({"Future": {"list": [{"other": {"key_id": "k", "nonce": "n", "ciphertext": "c"}}]}});
        assert_eq!(
            redact(payload),
            json!({"Future": {"list": [{"other": "[sealed]"}]}})
        );
    }

    #[test]
    fn plain_fields_are_kept() {
        let payload = json!({"LeaseRenewed": {"expires_at": "t", "capped": false, "n": [1, 2]}});
        assert_eq!(redact(payload.clone()), payload);
    }
}
