//! Audit replay and tamper evidence for leasehold (docs/audit.md).
//!
//! - [`history`]: every event of a lease or a dynamic secret, who did it and when, sealed
//!   values redacted;
//! - [`at`]: who held a working password for a user at a given time, and who asked for it;
//! - [`export`]: the event log for a time window, page by page, with chain hashes;
//! - [`verify`]: recompute every event's hash chain (filled in by the `events_chain`
//!   trigger) and compare it with the stored hashes and the anchored chain heads, naming
//!   the first edited, deleted or re-ordered event of each aggregate; walk the global log
//!   for erased or truncated history (against a signed [`Checkpoint`] when given); check
//!   snapshots and the references between secrets and leases.
//!
//! The replies are the contract's types (`leasehold-api`): this crate fills them in.
//!
//! Everything here is plain SQL over `events`, `chain_heads` and `lease_activity`; the
//! read-model part of verify is an [`Inspector`] that the projection crate supplies.

#![warn(missing_docs)]

mod canonical;
mod checkpoint;
mod error;
mod export;
mod history;
mod holder;
mod log;
mod problem;
mod redact;
mod stored;
mod verify;

pub use canonical::{canonical_bytes, canonical_time, chain_hash, hex, CANONICAL_TAG};
pub use checkpoint::{AuditKey, Checkpoint, CheckpointError, AUDIT_KEY_ENV, CHECKPOINT_FORMAT};
pub use error::AuditError;
pub use export::{export, DEFAULT_EXPORT_LIMIT, MAX_EXPORT_LIMIT};
pub use history::{history, history_page, lease_secret, HistoryTarget};
pub use holder::at;
pub use leasehold_api::{
    ExportPage, ExportedEvent, HistoryEntry, HistoryPage, Holder, LogHead, ProblemKind,
    VerifyProblem, VerifyReport,
};
pub use log::{log_head, running_hash, LOG_TAG};
pub use redact::{redact, SEALED};
pub use stored::StoredEvent;
pub use verify::{
    verify, verify_full, verify_with, ChainsOnly, Inspector, VerifyOptions, MAX_PROBLEMS,
    VERIFY_CHUNK,
};
