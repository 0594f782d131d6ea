//! The result of `audit.verify`: what the integrity check of the event store found
//! (docs/audit.md).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::LogHead;

/// `audit.verify`: the outcome of checking every hash chain, chain head, the global log,
/// snapshots, references and read models.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VerifyReport {
    /// True when no problem was found (and none was left out).
    pub ok: bool,
    /// Aggregates checked.
    pub aggregates: u64,
    /// Events checked.
    pub events: u64,
    /// Problems, at most one chain problem per aggregate (the first bad event), at most
    /// 1000 in all.
    pub problems: Vec<VerifyProblem>,
    /// True when more than 1000 problems were found and the rest left out.
    pub truncated: bool,
    /// Where the global log ends, recomputed from the stored events.
    pub log: Option<LogHead>,
    /// The checkpoint compared with (`against`), if any.
    pub against: Option<LogHead>,
}

/// One problem `audit.verify` found, naming the aggregate and, where it can, the first
/// bad event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VerifyProblem {
    /// `Connection`, `DynamicSecret` or `Lease` (`EventLog` for the global log).
    pub aggregate_type: String,
    /// The aggregate's id (`event_log` for the global log).
    pub aggregate_id: String,
    /// The first bad sequence, when one can be named.
    pub sequence: Option<i64>,
    /// What is wrong.
    pub kind: ProblemKind,
    /// What is wrong, for a human.
    pub message: String,
}

impl VerifyProblem {
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

/// The kind of a problem found by `audit.verify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
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
