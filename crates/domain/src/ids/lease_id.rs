//! Lease identifiers: UUID v7, so ids sort by creation time.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ParseError;

/// Id of a lease (and its aggregate id). Always a UUID v7; generating one needs a clock,
/// so it is done by the command layer (`Uuid::now_v7()`) and checked here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LeaseId(Uuid);

impl LeaseId {
    /// Accepts a UUID only if it is version 7.
    pub fn from_uuid(uuid: Uuid) -> Result<Self, ParseError> {
        if uuid.get_version_num() == 7 {
            Ok(Self(uuid))
        } else {
            Err(ParseError::new(
                "lease id",
                format!("must be a UUID v7, got version {}", uuid.get_version_num()),
                &uuid.to_string(),
            ))
        }
    }

    /// Parses the hyphenated UUID form (any case); the result prints lowercase.
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        // Only the 36-char hyphenated form: braced/URN/simple forms would make two spellings
        // of one id, and ids appear in subjects and URLs.
        if value.len() != 36 {
            return Err(ParseError::new(
                "lease id",
                "must be a hyphenated UUID (8-4-4-4-12 hex digits)",
                value,
            ));
        }
        let uuid = Uuid::try_parse(value).map_err(|_| {
            ParseError::new(
                "lease id",
                "must be a hyphenated UUID (8-4-4-4-12 hex digits)",
                value,
            )
        })?;
        Self::from_uuid(uuid)
    }

    /// The underlying UUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl TryFrom<String> for LeaseId {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl std::str::FromStr for LeaseId {
    type Err = ParseError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse(value)
    }
}

impl From<LeaseId> for String {
    fn from(value: LeaseId) -> String {
        value.to_string()
    }
}

impl From<LeaseId> for Uuid {
    fn from(value: LeaseId) -> Uuid {
        value.0
    }
}

impl fmt::Display for LeaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}
