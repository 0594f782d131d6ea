//! One problem `verify` finds, as every check (the chains, the heads, the global log,
//! the snapshots, the references) reports it.

use serde::Serialize;

/// Most problems one report lists; beyond that it says `truncated` (a store rewritten
/// wholesale does not need a million-line report to be recognised).
pub const MAX_PROBLEMS: usize = 1000;

/// The kind of a problem found by `verify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// An event's content no longer matches its hash (or, when its hash was recomputed,
    /// the hash the next event chained to).
    Edited,
    /// An event is missing: a sequence gap, or a chain that points past it.
    Deleted,
    /// An event sits at the wrong sequence: its content hashes correctly only at another.
    Reordered,
    /// The aggregate's last event differs from its anchored chain head: the tail was
    /// deleted or rewritten, or the head is missing.
    HeadMismatch,
    /// A read-model row differs from the fold of its events (or has no events at all).
    ReadModelDrift,
    /// Events are missing from the history as the global log recorded it: erased,
    /// truncated, or the log itself rewritten.
    Erased,
    /// The history differs from a signed checkpoint taken earlier.
    CheckpointMismatch,
    /// A snapshot the engine did not write (bad MAC or chain hash), or one it refused.
    ForgedSnapshot,
    /// Two aggregates disagree: a secret's reservation and the lease it names.
    BrokenReference,
}

/// One problem, naming the aggregate and, where it can, the first bad event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// `Connection`, `DynamicSecret` or `Lease`.
    pub aggregate_type: String,
    /// The aggregate's id.
    pub aggregate_id: String,
    /// The first bad sequence, when one can be named.
    pub sequence: Option<i64>,
    /// What is wrong.
    pub kind: ProblemKind,
    /// What is wrong, for a human.
    pub message: String,
}

impl Problem {
    /// A problem of `kind` on one aggregate.
    pub fn new(
        kind: ProblemKind,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: Option<i64>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            aggregate_type: aggregate_type.to_string(),
            aggregate_id: aggregate_id.to_string(),
            sequence,
            kind,
            message: message.into(),
        }
    }
}
