//! The error returned when raw input fails to become a domain newtype.

use std::fmt;

/// Longest echo of rejected input kept in an error, so a huge payload is never reflected back.
const MAX_ECHO_CHARS: usize = 64;

/// A raw value was rejected at the edge: names the field, why, and (truncated) what was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    field: &'static str,
    reason: String,
    value: String,
    ttl: bool,
}

impl ParseError {
    /// Builds an error for `field`, echoing at most 64 characters of `value`.
    pub fn new(field: &'static str, reason: impl Into<String>, value: &str) -> Self {
        Self {
            field,
            reason: reason.into(),
            value: truncate(value),
            ttl: false,
        }
    }

    /// Builds an error for a TTL value; it maps to the `invalid_ttl` code rather than `invalid_request`.
    pub fn ttl(reason: impl Into<String>, value: &str) -> Self {
        Self {
            ttl: true,
            ..Self::new("ttl", reason, value)
        }
    }

    /// Renames the field (e.g. `ttl` → `max_ttl`) so the caller's wording reaches the user.
    #[must_use]
    pub fn with_field(mut self, field: &'static str) -> Self {
        self.field = field;
        self
    }

    /// The name of the field that was rejected.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// Why the value was rejected, in words a user can act on.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The rejected input, truncated to 64 characters.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// True when the rejected value was a TTL (drives the `invalid_ttl` error code).
    pub fn is_ttl(&self) -> bool {
        self.ttl
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{:?}` escapes control characters so the echo cannot forge log lines.
        write!(
            f,
            "invalid {}: {} (got {:?})",
            self.field, self.reason, self.value
        )
    }
}

fn truncate(value: &str) -> String {
    match value.char_indices().nth(MAX_ECHO_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}
