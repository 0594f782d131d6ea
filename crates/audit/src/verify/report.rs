//! What `verify` reports: the contract's [`VerifyReport`], filled in up to
//! [`MAX_PROBLEMS`] problems.

pub use leasehold_api::VerifyReport;

use crate::problem::{VerifyProblem, MAX_PROBLEMS};

/// Adds problems to a report.
pub(crate) trait Collect {
    /// Records problems, up to [`MAX_PROBLEMS`]; beyond that marks the report truncated.
    fn add(&mut self, problems: impl IntoIterator<Item = VerifyProblem>);
}

impl Collect for VerifyReport {
    fn add(&mut self, problems: impl IntoIterator<Item = VerifyProblem>) {
        for problem in problems {
            if self.problems.len() < MAX_PROBLEMS {
                self.problems.push(problem);
            } else {
                self.truncated = true;
            }
        }
    }
}
