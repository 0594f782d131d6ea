//! Lease events as the previous version stored them still load, and store back unchanged.
//!
//! `tests/fixtures/<EventType>[_<case>].json` hold payloads exactly as postgres-es wrote
//! them before the lease terms became one value (`serde_json::to_value`, then text: keys
//! sorted). The event store keeps payloads as `json` text and hashes that text into the
//! audit chain, so a payload must not change by a byte.

use std::path::Path;

use cqrs_es::DomainEvent;
use leasehold_domain::LeaseEvent;

/// Every lease event type, so a new one cannot ship without a fixture.
const EVENT_TYPES: [&str; 9] = [
    "LeaseRequested",
    "LeaseActivated",
    "ActivationAttemptFailed",
    "LeaseActivationFailed",
    "LeaseRenewed",
    "LeaseRevocationRequested",
    "RevocationAttemptFailed",
    "LeaseRevoked",
    "ForcedRevocationConfirmed",
];

fn fixtures() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut found: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("fixtures directory")
        .map(|entry| {
            let path = entry.expect("fixture entry").path();
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("fixture name")
                .to_owned();
            let text = std::fs::read_to_string(&path).expect("fixture text");
            (name, text.trim_end().to_owned())
        })
        .collect();
    found.sort();
    found
}

#[test]
fn stored_lease_events_round_trip_byte_for_byte() {
    let fixtures = fixtures();
    for (name, stored) in &fixtures {
        let event: LeaseEvent = serde_json::from_str(stored)
            .unwrap_or_else(|e| panic!("{name}: stored payload no longer loads: {e}"));
        let expected_type = name.split('_').next().unwrap_or_default();
        assert_eq!(event.event_type(), expected_type, "{name}: event type");
        let value = serde_json::to_value(&event).expect("event serializes");
        let written = serde_json::to_string(&value).expect("value serializes");
        assert_eq!(&written, stored, "{name}: payload stored differently");
    }
    for event_type in EVENT_TYPES {
        assert!(
            fixtures
                .iter()
                .any(|(name, _)| name.split('_').next() == Some(event_type)),
            "no fixture for {event_type}"
        );
    }
}

#[test]
fn events_written_before_revocation_folding_still_load() {
    let old = r#"{"RevocationAttemptFailed":{"attempt":1,"error":{"kind":"transient","message":"Graph returned 503","request_id":null},"failed_at":"2026-12-01T10:00:00Z","failing":false}}"#;
    let event: LeaseEvent = serde_json::from_str(old).expect("pre-folding payload loads");
    assert!(matches!(
        event,
        LeaseEvent::RevocationAttemptFailed {
            folded: 0,
            folded_throttled: 0,
            retry_in_ms: None,
            ..
        }
    ));
}
