//! Results checked against the contract's types in `leasehold_api`.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// `result` decoded as `T` — which must encode back to exactly `result`, so `T` names
/// every field the engine sent (an unknown field would be dropped, a missing or
/// mistyped one fails to decode).
pub fn typed<T: DeserializeOwned + Serialize>(what: &str, result: &Value) -> T {
    let typed: T = serde_json::from_value(result.clone())
        .unwrap_or_else(|e| panic!("{what} does not decode as its contract type: {e}\n{result}"));
    let again = serde_json::to_value(&typed).expect("encode");
    assert_eq!(&again, result, "{what} differs from its contract type");
    typed
}
