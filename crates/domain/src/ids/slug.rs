//! Slug names (`[a-z0-9-]{1,64}`) for secrets and connections; they become NATS subject tokens.

use serde::{Deserialize, Serialize};

use super::string_newtype;
use crate::ParseError;

/// Longest slug accepted.
const MAX_SLUG_LEN: usize = 64;

/// Checks the slug rules; shared with `Actor::system` components.
pub(crate) fn check_slug(field: &'static str, value: &str) -> Result<(), ParseError> {
    if value.is_empty() {
        return Err(ParseError::new(field, "must not be empty", value));
    }
    if value.len() > MAX_SLUG_LEN {
        return Err(ParseError::new(
            field,
            "must be at most 64 characters",
            value,
        ));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(ParseError::new(
            field,
            "may contain only lowercase letters a-z, digits and '-'",
            value,
        ));
    }
    if value.starts_with('-') || value.ends_with('-') {
        return Err(ParseError::new(
            field,
            "must not start or end with '-'",
            value,
        ));
    }
    Ok(())
}

/// Name (and aggregate id) of a dynamic secret: a slug usable as a NATS subject token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SecretName(String);

impl SecretName {
    /// Parses a secret name: `[a-z0-9-]{1,64}`, not starting or ending with `-`.
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        check_slug("secret name", value)?;
        Ok(Self(value.to_owned()))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype!(SecretName);

/// Name (and aggregate id) of an Entra connection: same slug rules as [`SecretName`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConnectionName(String);

impl ConnectionName {
    /// Parses a connection name: `[a-z0-9-]{1,64}`, not starting or ending with `-`.
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        check_slug("connection name", value)?;
        Ok(Self(value.to_owned()))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype!(ConnectionName);
