//! Spans that carry one lease's story through the engine: a request (actor, operation,
//! request id, lease id) and an event (type, aggregate, the request id it came from).
//! Every line logged while one is entered carries its fields, so a lease's request id
//! reads the same in the command service's, the worker's and the scheduler's lines.

use async_nats::Message;
use serde::Deserialize;
use tracing::field::Empty;
use tracing::Span;

use leasehold_api::Tree;

use crate::{EventMessage, Subjects, HEADER_REQUEST_ID};

/// Longest request id or operation put into a span (both come from the requester).
const MAX_FIELD: usize = 200;

/// The span of one request on `<prefix>.<kind>.<actor>.<operation>`; `lease_id` is
/// left empty for [`record_lease_id`].
pub fn request_span(subjects: &Subjects, kind: Tree, message: &Message) -> Span {
    let rest = message
        .subject
        .strip_prefix(subjects.prefix())
        .and_then(|r| r.strip_prefix('.'))
        .and_then(|r| r.strip_prefix(kind.token()))
        .and_then(|r| r.strip_prefix('.'))
        .unwrap_or("");
    let (actor, operation) = rest.split_once('.').unwrap_or((rest, ""));
    let request_id = message
        .headers
        .as_ref()
        .and_then(|h| h.get(HEADER_REQUEST_ID))
        .map(|v| short(v.as_str()));
    tracing::info_span!(
        "request",
        kind = kind.token(),
        actor = short(actor),
        operation = short(operation),
        request_id = request_id.as_deref(),
        lease_id = Empty,
    )
}

/// The span of one event of the stream, with the request id its command carried.
pub fn event_span(event: &EventMessage) -> Span {
    tracing::info_span!(
        "event",
        event_type = %event.event_type,
        aggregate_type = %event.aggregate_type,
        aggregate_id = %event.aggregate_id,
        sequence = event.sequence,
        request_id = event.meta("request_id").map(short).as_deref(),
    )
}

/// Names the lease of the request in its span.
pub fn record_lease_id(span: &Span, lease_id: &str) {
    span.record("lease_id", short(lease_id).as_str());
}

/// The lease a request names (`lease_id`) or a reply reports (`ok.lease.lease_id`), if any.
/// Only that field is read; nothing else of the body reaches a log.
pub fn lease_id_in(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Named {
        lease_id: Option<String>,
        lease: Option<Box<Named>>,
        ok: Option<Box<Named>>,
    }
    fn find(named: Named) -> Option<String> {
        let Named {
            lease_id,
            lease,
            ok,
        } = named;
        lease_id
            .or_else(|| lease.and_then(|l| find(*l)))
            .or_else(|| ok.and_then(|o| find(*o)))
    }
    find(serde_json::from_slice(body).ok()?)
}

/// At most [`MAX_FIELD`] characters, control characters (an escape sequence aimed at a
/// terminal showing the log) replaced by `?`.
fn short(text: &str) -> String {
    text.chars()
        .take(MAX_FIELD)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lease_id_comes_from_the_request_or_the_reply() {
        let request = br#"{"lease_id":"0190","secret":"s"}"#;
        assert_eq!(lease_id_in(request).as_deref(), Some("0190"));
        let reply =
            br#"{"ok":{"lease":{"lease_id":"0191","ttl":3600},"credential":{"password":"p"}}}"#;
        assert_eq!(lease_id_in(reply).as_deref(), Some("0191"));
        assert_eq!(lease_id_in(br#"{"secret":"s"}"#), None);
        assert_eq!(lease_id_in(b"not json"), None);
    }

    #[test]
    fn requester_text_is_cut_short_and_cannot_steer_a_terminal() {
        let long = "x".repeat(1000);
        assert_eq!(short(&long).len(), MAX_FIELD);
        assert_eq!(short("é"), "é");
        assert_eq!(short("req\u{1b}[31mred\n"), "req?[31mred?");
    }
}
