//! Query payloads (`leasehold-api`'s types), parsed strictly: unknown fields, wrong types and bad JSON are
//! `invalid_request`, and names are parsed into domain types at once.

use leasehold_command::service::clip;
use leasehold_command::CommandError;
use serde::de::DeserializeOwned;

/// Largest payload a query may carry.
pub const MAX_PAYLOAD: usize = 1024 * 1024;
/// Page size when a list names none.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest page size.
pub const MAX_LIMIT: u32 = 1000;

pub(crate) use leasehold_api::{ByName, Empty, LeaseGet, LeaseList, SecretList, UsersList};

/// Parses a payload; an empty payload counts as `{}` (handy with `nats req`).
pub(crate) fn parse<T: DeserializeOwned>(payload: &[u8]) -> Result<T, CommandError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(CommandError::invalid_request(format!(
            "payload of {} bytes is over the {MAX_PAYLOAD}-byte limit",
            payload.len()
        )));
    }
    let payload: &[u8] = if payload.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        payload
    };
    // serde would also read a struct from a JSON array, by position: refuse that.
    if payload.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(CommandError::invalid_request(
            "malformed request: the payload must be a JSON object",
        ));
    }
    serde_json::from_slice(payload).map_err(|e| {
        let reason = e.to_string();
        CommandError::invalid_request(format!("malformed request: {}", clip(&reason, 300)))
    })
}

/// A page size: the default when absent, otherwise `1..=MAX_LIMIT`.
pub(crate) fn limit(limit: Option<u32>) -> Result<i64, CommandError> {
    match limit.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(i64::from(n)),
        n => Err(CommandError::invalid_request(format!(
            "limit must be between 1 and {MAX_LIMIT}, got {n}"
        ))),
    }
}
