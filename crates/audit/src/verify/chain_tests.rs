use chrono::{DateTime, Utc};

use super::*;
use crate::canonical::chain_hash;

fn chain(n: i64) -> Vec<StoredEvent> {
    let at = DateTime::parse_from_rfc3339("2026-11-27T12:00:00.123456Z")
        .expect("time")
        .with_timezone(&Utc);
    let mut prev: Option<Vec<u8>> = None;
    (1..=n)
        .map(|sequence| {
            let mut event = StoredEvent {
                aggregate_type: "Lease".into(),
                aggregate_id: "l1".into(),
                sequence,
                event_type: "E".into(),
                event_version: "1".into(),
                payload: format!(r#"{{"E":{{"n":{sequence}}}}}"#),
                metadata: r#"{"actor":"alice"}"#.into(),
                recorded_at: at,
                global_position: sequence,
                prev_hash: prev.clone(),
                hash: None,
            };
            event.hash = Some(chain_hash(prev.as_deref(), &event).to_vec());
            prev = event.hash.clone();
            event
        })
        .collect()
}

fn run(events: &[StoredEvent]) -> Vec<VerifyProblem> {
    let mut chain = Chain::start(&events[0]);
    events.iter().filter_map(|e| chain.push(e)).collect()
}

fn only(events: &[StoredEvent]) -> (ProblemKind, Option<i64>) {
    let problems = run(events);
    assert_eq!(problems.len(), 1, "{problems:?}");
    (problems[0].kind, problems[0].sequence)
}

#[test]
fn an_intact_chain_has_no_problem() {
    assert!(run(&chain(5)).is_empty());
}

#[test]
fn an_edited_payload_is_named() {
    let mut events = chain(5);
    events[2].payload = r#"{"E":{"n":99}}"#.into();
    assert_eq!(only(&events), (ProblemKind::Edited, Some(3)));
}

#[test]
fn a_rewritten_and_rehashed_event_is_named_by_its_successor() {
    let mut events = chain(5);
    events[2].payload = r#"{"E":{"n":99}}"#.into();
    events[2].hash = Some(chain_hash(events[2].prev_hash.as_deref(), &events[2]).to_vec());
    assert_eq!(only(&events), (ProblemKind::Edited, Some(3)));
}

#[test]
fn a_deleted_event_is_a_gap() {
    let mut events = chain(5);
    events.remove(1);
    assert_eq!(only(&events), (ProblemKind::Deleted, Some(2)));
}

#[test]
fn a_deleted_first_event_is_a_gap() {
    let mut events = chain(3);
    events.remove(0);
    assert_eq!(only(&events), (ProblemKind::Deleted, Some(1)));
}

#[test]
fn swapped_sequences_are_reordered() {
    let mut events = chain(5);
    events[1].sequence = 3;
    events[2].sequence = 2;
    events.swap(1, 2);
    let problems = run(&events);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, ProblemKind::Reordered);
    assert_eq!(problems[0].sequence, Some(2));
    assert!(problems[0].message.contains("recorded as sequence 3"));
}

#[test]
fn a_missing_hash_is_reported() {
    let mut events = chain(2);
    events[1].hash = None;
    assert_eq!(only(&events), (ProblemKind::Edited, Some(2)));
}
