//! Decoding the request payloads of the command subjects (the types are
//! `leasehold-api`'s), strictly, at the edge.

pub use leasehold_api::{
    ByName, ConnectionCreate as CreateConnection, ConnectionRotate as RotateConnection,
    LeaseCreate as CreateLease, LeaseRenew as RenewLease, LeaseRevoke as RevokeLease,
    SecretCreate as CreateSecrets, SecretUpdate as UpdateSecret, TtlInput,
};
use leasehold_domain::{ParseError, Ttl};
use serde::de::DeserializeOwned;

use crate::CommandError;

/// Largest request payload accepted.
pub const MAX_PAYLOAD: usize = 1024 * 1024;

/// Parses a request's TTL into a [`Ttl`], naming `field` in the error: zero, negative,
/// fractional and out-of-range values are all `invalid_ttl`.
pub fn ttl(input: &TtlInput, field: &'static str) -> Result<Ttl, CommandError> {
    let parsed = match input {
        TtlInput::Seconds(s) if *s <= 0 => Ttl::parse(&s.to_string()),
        TtlInput::Seconds(s) => Ttl::from_secs(s.unsigned_abs()),
        TtlInput::Text(t) => Ttl::parse(t),
        TtlInput::NotWhole(t) => Err(ParseError::ttl("must be whole seconds", t)),
    };
    parsed.map_err(|e: ParseError| CommandError::from(e.with_field(field)))
}

/// Parses an optional TTL field.
pub fn opt_ttl(v: &Option<TtlInput>, field: &'static str) -> Result<Option<Ttl>, CommandError> {
    v.as_ref().map(|t| ttl(t, field)).transpose()
}

/// Decodes a JSON payload, answering `invalid_request` with serde's reason.
pub fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, CommandError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(CommandError::invalid_request(format!(
            "payload of {} bytes exceeds the limit of {MAX_PAYLOAD}",
            payload.len()
        )));
    }
    let body: &[u8] = if payload.iter().all(|b| b.is_ascii_whitespace()) {
        b"{}"
    } else {
        payload
    };
    // serde would also read a struct from a JSON array, by position: refuse that.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(CommandError::invalid_request(
            "malformed request: the payload must be a JSON object",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        let reason = e.to_string();
        CommandError::invalid_request(format!("malformed request: {}", clip(&reason, 300)))
    })
}

/// The longest prefix of `text` of at most `max_bytes` bytes that ends on a character
/// boundary. serde's messages quote the offending input, which is anybody's UTF-8:
/// cutting at a fixed byte offset could land inside a character (and `String::truncate`
/// panics there).
pub fn clip(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_connection_inputs_redacts_the_client_secret() {
        let create: CreateConnection = decode(
            br#"{"name": "c", "tenant_id": "t", "client_id": "x", "client_secret": "s3cr3t-XYZ"}"#,
        )
        .expect("decodes");
        let rotate: RotateConnection =
            decode(br#"{"name": "c", "client_secret": "s3cr3t-XYZ"}"#).expect("decodes");
        for shown in [format!("{create:?}"), format!("{rotate:?}")] {
            assert!(!shown.contains("s3cr3t-XYZ"), "{shown}");
            assert!(shown.contains("REDACTED"), "{shown}");
        }
    }

    #[test]
    fn clipping_never_splits_a_character() {
        let text = "é".repeat(400);
        for max in 0..text.len() + 2 {
            let clipped = clip(&text, max);
            assert!(clipped.len() <= max && max - clipped.len() < 2, "{max}");
        }
        assert_eq!(clip("abc", 300), "abc");
    }

    #[test]
    fn an_error_quoting_multibyte_input_is_clipped_not_a_panic() {
        // "unknown field `" is 15 bytes: two-byte characters after it put byte 300
        // inside a character.
        let payload = format!(r#"{{"{}": 1}}"#, "é".repeat(200));
        let e = decode::<ByName>(payload.as_bytes()).unwrap_err();
        assert_eq!(e.code, leasehold_api::ErrorCode::InvalidRequest);
        assert!(e.message.len() <= "malformed request: ".len() + 300);
    }

    #[test]
    fn a_fractional_ttl_is_an_invalid_ttl() {
        let input: CreateLease = decode(br#"{"secret": "s", "ttl": 1.5}"#).expect("decodes");
        let e = opt_ttl(&input.ttl, "ttl").unwrap_err();
        assert_eq!(e.code, leasehold_api::ErrorCode::InvalidTtl);
        assert_eq!(e.details["field"], "ttl");
    }

    #[test]
    fn only_json_objects_are_requests() {
        for bad in [
            &b"[\"ops-a\", null]"[..],
            b"\"x\"",
            b"42",
            b"null",
            b"\xff\xfe",
        ] {
            let e = decode::<CreateLease>(bad).unwrap_err();
            assert_eq!(e.code, leasehold_api::ErrorCode::InvalidRequest);
        }
        let big = vec![b' '; MAX_PAYLOAD + 1];
        assert_eq!(
            decode::<ByName>(&big).unwrap_err().code,
            leasehold_api::ErrorCode::InvalidRequest
        );
        assert!(decode::<RevokeLease>(b"  ").is_ok(), "blank is {{}}");
    }
}
