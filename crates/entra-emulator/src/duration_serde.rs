//! Human-friendly durations in TOML and JSON: `3599` / `1.5` (seconds) or `"150s"`, `"500ms"`,
//! `"2m"`, `"1h"`. Serialised back as a string of milliseconds so values round-trip.

use serde::{de, Deserialize, Deserializer, Serializer};
use std::time::Duration;

/// Serialises a duration as `"<n>ms"`.
pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}ms", d.as_millis()))
}

/// Deserialises a duration from seconds (integer or float) or a suffixed string.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(u64),
        Float(f64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Int(secs) => Ok(Duration::from_secs(secs)),
        Raw::Float(secs) => Duration::try_from_secs_f64(secs).map_err(de::Error::custom),
        Raw::Text(text) => parse(&text).map_err(de::Error::custom),
    }
}

/// Parses `"150s"`, `"500ms"`, `"2m"`, `"1h"`, or a bare number of seconds.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}"))?;
    let secs = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown duration unit {other:?} in {text:?}")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::parse;
    use std::time::Duration;

    #[test]
    fn parses_units() {
        assert_eq!(parse("150s"), Ok(Duration::from_secs(150)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse("abc").is_err());
        assert!(parse("3 fortnights").is_err());
    }
}
