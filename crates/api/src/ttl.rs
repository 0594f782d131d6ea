//! A TTL as a request gives it: whole seconds (`3600`) or a duration (`"1h30m"`).

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// A TTL field of a request, not yet checked: the engine parses it into its `Ttl`
/// (answering `invalid_ttl` for zero, negative, fractional or out-of-range values).
#[derive(Clone, Debug, PartialEq)]
pub enum TtlInput {
    /// Whole seconds.
    Seconds(i64),
    /// Human form such as `90s`, `30m`, `1h30m`.
    Text(String),
    /// A number that is not whole seconds (`1.5`, or too large): always `invalid_ttl`.
    NotWhole(String),
}

impl<'de> Deserialize<'de> for TtlInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Number(n) => Ok(match n.as_i64() {
                Some(s) => TtlInput::Seconds(s),
                None => TtlInput::NotWhole(n.to_string()),
            }),
            Value::String(s) => Ok(TtlInput::Text(s)),
            other => Err(de::Error::custom(format!(
                "a TTL is whole seconds or a duration such as \"1h\", not {}",
                kind(&other)
            ))),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
    }
}

impl Serialize for TtlInput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            TtlInput::Seconds(s) => serializer.serialize_i64(*s),
            TtlInput::Text(t) | TtlInput::NotWhole(t) => serializer.serialize_str(t),
        }
    }
}

impl JsonSchema for TtlInput {
    fn schema_name() -> Cow<'static, str> {
        "TtlInput".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A TTL: whole seconds, or a duration such as \"90s\", \"30m\", \"1h30m\", \"2d\".",
            "oneOf": [
                { "type": "integer", "minimum": 1 },
                { "type": "string", "minLength": 1 }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_are_kept_for_the_engine_to_judge() {
        let parse = |s: &str| serde_json::from_str::<TtlInput>(s);
        assert_eq!(parse("3600").ok(), Some(TtlInput::Seconds(3600)));
        assert_eq!(parse("-5").ok(), Some(TtlInput::Seconds(-5)));
        assert_eq!(parse("\"1h\"").ok(), Some(TtlInput::Text("1h".into())));
        assert_eq!(parse("1.5").ok(), Some(TtlInput::NotWhole("1.5".into())));
        assert!(parse("true").is_err());
        assert!(parse("null").is_err());
    }
}
