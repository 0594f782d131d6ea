//! Time-to-live of a lease: whole seconds in `1 ..= 10 years`, written `90s`, `1h30m`, `2d` or `3600`.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ParseError;

#[cfg(test)]
mod tests;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// Units in the order they must appear in the human form.
const UNITS: [(char, u64); 4] = [('d', DAY), ('h', HOUR), ('m', MINUTE), ('s', 1)];

/// A validated time-to-live; a zero or over-long TTL cannot be represented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Ttl(u64);

impl Ttl {
    /// Largest TTL in seconds: 10 years of 365 days.
    pub const MAX_SECS: u64 = 315_360_000;
    /// Largest TTL.
    pub const MAX: Ttl = Ttl(Self::MAX_SECS);

    /// Accepts `1 ..= MAX_SECS` seconds.
    pub fn from_secs(secs: u64) -> Result<Self, ParseError> {
        if secs == 0 {
            return Err(ParseError::ttl("must be at least 1 second", "0"));
        }
        if secs > Self::MAX_SECS {
            return Err(ParseError::ttl(
                "must be at most 3650d (10 years)",
                &secs.to_string(),
            ));
        }
        Ok(Self(secs))
    }

    /// Parses bare seconds (`3600`) or the compact human form (`90s`, `30m`, `1h30m`, `2d`).
    ///
    /// Units are `d`, `h`, `m`, `s`, each at most once and largest first; no inner spaces.
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let text = value.trim();
        if text.is_empty() {
            return Err(ParseError::ttl("must not be empty", value));
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            let secs = text
                .parse::<u64>()
                .map_err(|_| ParseError::ttl("is too large", value))?;
            return Self::from_secs(secs).map_err(|e| ParseError::ttl(e.reason(), value));
        }
        let secs = parse_human(text).map_err(|reason| ParseError::ttl(reason, value))?;
        Self::from_secs(secs).map_err(|e| ParseError::ttl(e.reason(), value))
    }

    /// The TTL in seconds.
    pub fn as_secs(self) -> u64 {
        self.0
    }

    /// The TTL as a chrono duration, for timestamp arithmetic.
    pub fn as_duration(self) -> chrono::Duration {
        // MAX_SECS fits comfortably in i64, so the cast cannot truncate.
        chrono::Duration::seconds(self.0 as i64)
    }

    /// `at + self`, saturating at the latest representable instant instead of panicking.
    pub fn after(self, at: DateTime<Utc>) -> DateTime<Utc> {
        at.checked_add_signed(self.as_duration())
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// Parses `1d2h3m4s`-style input into seconds, or says why not.
fn parse_human(text: &str) -> Result<u64, String> {
    let mut total: u64 = 0;
    let mut next_unit = 0; // index into UNITS: units must appear in descending order
    let mut rest = text;
    while !rest.is_empty() {
        let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits_len == 0 {
            return Err("expected a whole number followed by d, h, m or s (e.g. 1h30m)".into());
        }
        let (digits, tail) = rest.split_at(digits_len);
        let mut chars = tail.chars();
        let Some(unit) = chars.next() else {
            return Err(format!("missing unit after {digits}; use d, h, m or s"));
        };
        let Some(pos) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(format!("unknown unit {unit:?}; use d, h, m or s"));
        };
        if pos < next_unit {
            return Err("units must appear once each, largest first (e.g. 1d2h3m4s)".into());
        }
        next_unit = pos + 1;
        let amount: u64 = digits.parse().map_err(|_| "is too large".to_string())?;
        total = amount
            .checked_mul(UNITS[pos].1)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| "is too large".to_string())?;
        rest = chars.as_str();
    }
    Ok(total)
}

impl fmt::Display for Ttl {
    /// Compact human form, largest unit first: `1h30m`, `2d`, `45s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        for (unit, size) in UNITS {
            let amount = rest / size;
            if amount > 0 {
                write!(f, "{amount}{unit}")?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl TryFrom<u64> for Ttl {
    type Error = ParseError;
    fn try_from(secs: u64) -> Result<Self, Self::Error> {
        Self::from_secs(secs)
    }
}

impl From<Ttl> for u64 {
    fn from(ttl: Ttl) -> u64 {
        ttl.0
    }
}

impl TryFrom<String> for Ttl {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl std::str::FromStr for Ttl {
    type Err = ParseError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse(value)
    }
}
