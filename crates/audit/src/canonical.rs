//! The canonical bytes of an event and its chain hash, exactly as the `events_chain`
//! trigger computes them in SQL (migrations/20261127000004_hash_chain.sql).
//!
//! ```text
//! "leasehold-event-v1\n" then, per field, "<byte length>:<UTF-8 bytes>\n":
//! aggregate_type, aggregate_id, sequence, event_type, event_version,
//! payload text, metadata text, recorded_at as UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ"
//! hash = sha256(prev_hash or nothing || canonical bytes)
//! ```
//!
//! Length prefixes make the encoding unambiguous (no field can spill into the next), and
//! the version tag lets a future format coexist with this one.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::stored::StoredEvent;

/// The tag that starts every canonical form; names the format version.
pub const CANONICAL_TAG: &str = "leasehold-event-v1";

/// `recorded_at` as the canonical form writes it: UTC, microseconds, `Z`. Postgres keeps
/// microseconds, so this is lossless for a stored time.
pub fn canonical_time(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The canonical bytes of `event` (everything but its hashes).
pub fn canonical_bytes(event: &StoredEvent) -> Vec<u8> {
    let sequence = event.sequence.to_string();
    let recorded_at = canonical_time(&event.recorded_at);
    let fields: [&str; 8] = [
        &event.aggregate_type,
        &event.aggregate_id,
        &sequence,
        &event.event_type,
        &event.event_version,
        &event.payload,
        &event.metadata,
        &recorded_at,
    ];
    let mut out = Vec::with_capacity(
        CANONICAL_TAG.len() + 1 + fields.iter().map(|f| f.len() + 8).sum::<usize>(),
    );
    out.extend_from_slice(CANONICAL_TAG.as_bytes());
    out.push(b'\n');
    for field in fields {
        out.extend_from_slice(field.len().to_string().as_bytes());
        out.push(b':');
        out.extend_from_slice(field.as_bytes());
        out.push(b'\n');
    }
    out
}

/// The chain hash of `event` given the hash of the event before it (`None` for the first).
pub fn chain_hash(prev_hash: Option<&[u8]>, event: &StoredEvent) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.unwrap_or_default());
    hasher.update(canonical_bytes(event));
    hasher.finalize().into()
}

/// Lowercase hex of `bytes` (hashes in reports and exports).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> StoredEvent {
        StoredEvent {
            aggregate_type: "X".into(),
            aggregate_id: "a".into(),
            sequence: 1,
            event_type: "E".into(),
            event_version: "1".into(),
            payload: r#"{"E": {"b":1,  "a":"é"}}"#.into(),
            metadata: "{}".into(),
            recorded_at: DateTime::parse_from_rfc3339("2026-11-27T23:57:07.854655Z")
                .expect("time")
                .with_timezone(&Utc),
            global_position: 1,
            prev_hash: None,
            hash: None,
        }
    }

    #[test]
    fn canonical_form_is_length_prefixed_and_utc() {
        let text = String::from_utf8(canonical_bytes(&event())).expect("utf-8");
        assert_eq!(
            text,
            "leasehold-event-v1\n1:X\n1:a\n1:1\n1:E\n1:1\n25:{\"E\": {\"b\":1,  \"a\":\"é\"}}\n\
             2:{}\n27:2026-11-27T23:57:07.854655Z\n"
        );
    }

    #[test]
    fn hashes_match_the_sql_trigger() {
        // Values computed by the `events_chain` trigger for these two rows (psql).
        let first = chain_hash(None, &event());
        assert_eq!(
            hex(&first),
            "01f9d4884a6f0d8e3259706fe5531c249121a2b44d180d3c97d695f0d8ce8c88"
        );
        let mut second = event();
        second.sequence = 2;
        second.payload = "{}".into();
        assert_eq!(
            hex(&chain_hash(Some(&first), &second)),
            "8217ad595190ffb8ad7eb9d89ed11aff737904064de4bbf75bf9a4556b083dad"
        );
    }

    #[test]
    fn whole_seconds_keep_six_digits() {
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(canonical_time(&at), "2026-01-02T03:04:05.000000Z");
    }
}
