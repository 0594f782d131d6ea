//! One problem `verify` finds, as every check (the chains, the heads, the global log,
//! the snapshots, the references) reports it: the contract's [`VerifyProblem`].

pub use leasehold_api::{ProblemKind, VerifyProblem};

/// Most problems one report lists; beyond that it says `truncated` (a store rewritten
/// wholesale does not need a million-line report to be recognised).
pub const MAX_PROBLEMS: usize = 1000;
