//! What `verify` reports.

use serde::Serialize;

use crate::log::LogHead;
use crate::problem::{Problem, MAX_PROBLEMS};

/// The outcome of `verify`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// True when no problem was found.
    pub ok: bool,
    /// Aggregates checked.
    pub aggregates: u64,
    /// Events checked.
    pub events: u64,
    /// Problems, at most one chain problem per aggregate (the first bad event).
    pub problems: Vec<Problem>,
    /// True when more than [`MAX_PROBLEMS`] problems were found and the rest left out.
    pub truncated: bool,
    /// Where the global log ends, recomputed from the stored events.
    pub log: Option<LogHead>,
    /// The checkpoint compared with (`verify --against`), if any.
    pub against: Option<LogHead>,
}

impl VerifyReport {
    /// Records problems, up to [`MAX_PROBLEMS`].
    pub(crate) fn add(&mut self, problems: impl IntoIterator<Item = Problem>) {
        for problem in problems {
            if self.problems.len() < MAX_PROBLEMS {
                self.problems.push(problem);
            } else {
                self.truncated = true;
            }
        }
    }
}
