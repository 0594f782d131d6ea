//! Comparing a stored read-model row with the row its events fold to.
//!
//! Rows are compared as JSON, field by field. Times are compared at the microsecond:
//! Postgres keeps microseconds, while a fold in memory keeps the nanoseconds of the
//! command's clock, and the row written from it was truncated on the way in.

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use serde_json::Value;

/// Names of the top-level fields where `stored` and `expected` differ (all of them when
/// they do not serialize to objects).
pub(crate) fn differing_fields(stored: &impl Serialize, expected: &impl Serialize) -> Vec<String> {
    let (Ok(Value::Object(stored)), Ok(Value::Object(expected))) =
        (serde_json::to_value(stored), serde_json::to_value(expected))
    else {
        return vec!["*".to_string()];
    };
    let mut fields: Vec<String> = expected
        .iter()
        .filter(|(key, value)| !stored.get(*key).is_some_and(|s| same(s, value)))
        .map(|(key, _)| key.clone())
        .chain(
            stored
                .keys()
                .filter(|key| !expected.contains_key(*key))
                .cloned(),
        )
        .collect();
    fields.sort();
    fields
}

/// Whether two JSON values are equal, times at microsecond precision.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a == b || same_time(a, b),
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(v, w)| same(v, w))
        }
        (a, b) => a == b,
    }
}

fn same_time(a: &str, b: &str) -> bool {
    match (time(a), time(b)) {
        (Some(a), Some(b)) => a.trunc_subsecs(6) == b.trunc_subsecs(6),
        _ => false,
    }
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn times_match_at_the_microsecond() {
        let stored = json!({"at": "2026-11-27T12:00:00.123456+00:00", "n": 1});
        let expected = json!({"at": "2026-11-27T12:00:00.123456789Z", "n": 1});
        assert!(differing_fields(&stored, &expected).is_empty());
    }

    #[test]
    fn differing_fields_are_named() {
        let stored = json!({"status": "active", "renewals": 1, "e": {"at": "x"}, "extra": 1});
        let expected = json!({"status": "revoked", "renewals": 1, "e": {"at": "y"}});
        assert_eq!(
            differing_fields(&stored, &expected),
            vec!["e", "extra", "status"]
        );
    }
}
