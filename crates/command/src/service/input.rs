//! Request payloads of the command subjects, parsed strictly at the edge.

use leasehold_domain::{Cloud, ParseError, Ttl};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::CommandError;

/// Largest request payload accepted.
pub const MAX_PAYLOAD: usize = 1024 * 1024;

/// A TTL given as seconds (`3600`) or in human form (`"1h"`).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum TtlInput {
    /// Whole seconds.
    Seconds(i64),
    /// Human form such as `90s`, `30m`, `1h30m`.
    Text(String),
}

impl TtlInput {
    /// Parses into a [`Ttl`], naming `field` in the error.
    pub fn parse(&self, field: &'static str) -> Result<Ttl, CommandError> {
        let parsed = match self {
            TtlInput::Seconds(s) if *s <= 0 => Ttl::parse(&s.to_string()),
            TtlInput::Seconds(s) => Ttl::from_secs(*s as u64),
            TtlInput::Text(t) => Ttl::parse(t),
        };
        parsed.map_err(|e: ParseError| CommandError::from(e.with_field(field)))
    }
}

/// Parses an optional TTL field.
pub fn opt_ttl(v: &Option<TtlInput>, field: &'static str) -> Result<Option<Ttl>, CommandError> {
    v.as_ref().map(|t| t.parse(field)).transpose()
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

/// `connection.create`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateConnection {
    pub name: String,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: secrecy::SecretString,
    #[serde(default)]
    pub cloud: Cloud,
    /// Store it without asking Entra (a setup that cannot reach it).
    #[serde(default)]
    pub skip_verify: bool,
}

/// `connection.rotate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateConnection {
    pub name: String,
    pub client_secret: secrecy::SecretString,
    /// Store it without asking Entra (a setup that cannot reach it).
    #[serde(default)]
    pub skip_verify: bool,
}

/// `connection.delete`, `secret.delete`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByName {
    pub name: String,
}

/// `secret.create`: one dynamic secret per user.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSecrets {
    pub connection: String,
    /// Name prefix; secrets are named `<prefix>-<user slug>`.
    pub prefix: String,
    /// Users by object id or UPN.
    pub users: Vec<String>,
    pub default_ttl: Option<TtlInput>,
    pub max_ttl: Option<TtlInput>,
}

/// `secret.update`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateSecret {
    pub name: String,
    pub default_ttl: Option<TtlInput>,
    pub max_ttl: Option<TtlInput>,
    pub connection: Option<String>,
}

/// `lease.create`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateLease {
    pub secret: String,
    pub ttl: Option<TtlInput>,
}

/// `lease.renew`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewLease {
    pub lease_id: String,
    pub ttl: Option<TtlInput>,
    /// A renewal never moves the expiry earlier unless this says so.
    #[serde(default)]
    pub shorten: bool,
}

/// `lease.revoke`: one lease, the live lease of a secret, or (admins) every live lease
/// of secrets named with a prefix, of a connection, or requested by an actor.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeLease {
    pub lease_id: Option<String>,
    pub secret: Option<String>,
    /// Bulk: live leases of every secret whose name starts with this.
    pub prefix: Option<String>,
    /// Bulk: live leases of every secret on this connection.
    pub connection: Option<String>,
    /// Bulk: live leases this actor requested.
    pub requested_by: Option<String>,
    #[serde(default)]
    pub force: bool,
}

impl RevokeLease {
    /// Whether this names leases by a bulk selector.
    pub fn is_bulk(&self) -> bool {
        self.prefix.is_some() || self.connection.is_some() || self.requested_by.is_some()
    }
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
        assert_eq!(e.code, "invalid_request");
        assert!(e.message.len() <= "malformed request: ".len() + 300);
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
            assert_eq!(e.code, "invalid_request");
        }
        let big = vec![b' '; MAX_PAYLOAD + 1];
        assert_eq!(decode::<ByName>(&big).unwrap_err().code, "invalid_request");
        assert!(decode::<RevokeLease>(b"  ").is_ok(), "blank is {{}}");
    }
}
