//! Entra ID user identifiers: object id (GUID) and user principal name.

use serde::{Deserialize, Serialize};

use super::string_newtype;
use crate::ParseError;

/// Object id of an Entra user: a GUID in 8-4-4-4-12 hex form, stored lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EntraObjectId(String);

impl EntraObjectId {
    /// Parses a GUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, any case) and lowercases it.
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let well_formed = value.len() == 36
            && value.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
        if !well_formed {
            return Err(ParseError::new(
                "user object id",
                "must be a GUID like 00000000-0000-0000-0000-000000000000",
                value,
            ));
        }
        Ok(Self(value.to_ascii_lowercase()))
    }

    /// The GUID as a lowercase string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype!(EntraObjectId);

/// Shortest and longest UPN accepted (Entra caps UPNs at 113 characters).
const UPN_LEN: std::ops::RangeInclusive<usize> = 3..=113;

/// User principal name of an Entra user (`local@domain`), kept as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserPrincipalName(String);

impl UserPrincipalName {
    /// Parses `local@domain`: printable ASCII, 3..=113 chars (local part ≤ 64), one `@`, no whitespace, `*` or `>`.
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        const FIELD: &str = "user principal name";
        if !UPN_LEN.contains(&value.len()) {
            return Err(ParseError::new(FIELD, "must be 3 to 113 characters", value));
        }
        // `is_ascii_graphic` excludes whitespace, control characters and non-ASCII at once.
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ParseError::new(
                FIELD,
                "must be printable ASCII without whitespace",
                value,
            ));
        }
        if value.contains(['*', '>']) {
            return Err(ParseError::new(FIELD, "must not contain '*' or '>'", value));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(ParseError::new(FIELD, "must look like user@domain", value));
        };
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return Err(ParseError::new(
                FIELD,
                "must look like user@domain with exactly one '@'",
                value,
            ));
        }
        if local.len() > 64 {
            return Err(ParseError::new(
                FIELD,
                "part before '@' must be at most 64 characters",
                value,
            ));
        }
        let domain_ok = domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            && !domain.starts_with(['.', '-'])
            && !domain.ends_with(['.', '-']);
        if !domain_ok {
            return Err(ParseError::new(
                FIELD,
                "domain may contain only letters, digits, '.' and '-'",
                value,
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The UPN as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype!(UserPrincipalName);
