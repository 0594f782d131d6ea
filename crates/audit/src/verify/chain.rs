//! Checking one aggregate's hash chain, event by event, without the database.
//!
//! For each event, in sequence order, two facts are checked against the stored rows:
//! its *link* (`prev_hash` = the stored hash of the event before it) and its *seal*
//! (`hash` = sha256(prev_hash ‖ canonical bytes)). Together they classify the first bad
//! event of the aggregate:
//!
//! | sequence gap | link | seal | verdict |
//! |---|---|---|---|
//! | yes | – | – | `Deleted` (the missing sequence) |
//! | no | ok | bad | `Edited` (this event) |
//! | no | bad | ok | `Edited` (the event before: rewritten with its hash recomputed) |
//! | no | bad | bad | `Reordered` if the content seals at a nearby sequence, else `Edited` |

use crate::canonical::chain_hash;
use crate::problem::{ProblemKind, VerifyProblem};
use crate::stored::StoredEvent;

/// How far from its position a moved event is looked for.
const REORDER_WINDOW: i64 = 64;

/// The chain of the aggregate being read.
pub(crate) struct Chain {
    /// `(aggregate_type, aggregate_id)`.
    pub key: (String, String),
    /// Sequence of the last event seen.
    pub last_sequence: i64,
    /// Stored hash of the last event seen.
    pub last_hash: Option<Vec<u8>>,
    /// True once a problem was found: later events are not judged (only the first bad
    /// event of an aggregate is named, the rest follow from it).
    pub broken: bool,
}

impl Chain {
    /// The chain of a new aggregate, before its first event.
    pub fn start(event: &StoredEvent) -> Self {
        Self {
            key: (event.aggregate_type.clone(), event.aggregate_id.clone()),
            last_sequence: 0,
            last_hash: None,
            broken: false,
        }
    }

    /// Whether `event` belongs to this aggregate.
    pub fn owns(&self, event: &StoredEvent) -> bool {
        self.key.0 == event.aggregate_type && self.key.1 == event.aggregate_id
    }

    /// Checks the next event of the aggregate; returns its problem, if it is the first.
    pub fn push(&mut self, event: &StoredEvent) -> Option<VerifyProblem> {
        let problem = if self.broken { None } else { self.judge(event) };
        self.broken |= problem.is_some();
        self.last_sequence = event.sequence;
        self.last_hash = event.hash.clone();
        problem
    }

    fn judge(&self, event: &StoredEvent) -> Option<VerifyProblem> {
        let problem = |kind, sequence, message: String| {
            Some(VerifyProblem::new(
                kind,
                &event.aggregate_type,
                &event.aggregate_id,
                Some(sequence),
                message,
            ))
        };
        let expected = self.last_sequence + 1;
        let seq = event.sequence;
        let Some(stored) = event.hash.as_deref() else {
            return problem(
                ProblemKind::Edited,
                seq,
                format!(
                    "event {seq} has no chain hash: it was written with the chain trigger disabled"
                ),
            );
        };
        if seq > expected {
            let missing = if seq == expected + 1 {
                format!("event {expected} is missing")
            } else {
                format!("events {expected} to {} are missing", seq - 1)
            };
            return problem(ProblemKind::Deleted, expected, missing);
        }
        let link = event.prev_hash == self.last_hash;
        let seal = chain_hash(event.prev_hash.as_deref(), event) == stored;
        match (link, seal) {
            (true, true) => None,
            (true, false) => problem(
                ProblemKind::Edited,
                seq,
                format!("event {seq} does not match its hash: its content was changed"),
            ),
            (false, true) if self.last_hash.is_none() => problem(
                ProblemKind::Deleted,
                seq,
                format!("event {seq} chains to an earlier event that is no longer stored"),
            ),
            (false, true) => problem(
                ProblemKind::Edited,
                self.last_sequence,
                format!(
                    "event {} was rewritten with a recomputed hash: event {seq} chained to a different one",
                    self.last_sequence
                ),
            ),
            (false, false) => match original_sequence(event) {
                Some(original) => problem(
                    ProblemKind::Reordered,
                    seq,
                    format!("the event stored at sequence {seq} was recorded as sequence {original}"),
                ),
                None => problem(
                    ProblemKind::Edited,
                    seq,
                    format!("event {seq} matches neither its hash nor its place in the chain"),
                ),
            },
        }
    }
}

/// The sequence at which `event`'s content matches its stored hash, if it is near.
fn original_sequence(event: &StoredEvent) -> Option<i64> {
    let stored = event.hash.as_deref()?;
    let mut moved = event.clone();
    (event.sequence.saturating_sub(REORDER_WINDOW)..=event.sequence.saturating_add(REORDER_WINDOW))
        .filter(|s| *s != event.sequence && *s >= 0)
        .find(|s| {
            moved.sequence = *s;
            chain_hash(moved.prev_hash.as_deref(), &moved) == stored
        })
}

#[cfg(test)]
#[path = "chain_tests.rs"]
mod tests;
