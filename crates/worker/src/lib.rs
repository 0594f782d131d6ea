//! The leasehold worker: carries out the Graph effects of lease events.
//!
//! Activations come from the durable JetStream pull consumer `worker-activations`
//! (`LeaseRequested`). Revocations come from PostgreSQL: `revocation_attempts` rows, written
//! in the same transaction as `LeaseRevocationRequested` (or a forced `LeaseRevoked`) and
//! rescheduled by every failure, are claimed with `FOR UPDATE SKIP LOCKED`, fairly per
//! connection, so a purged stream, a lost message, a killed worker or a tenant whose calls
//! all fail never stops or delays another lease's revocation (design §8b). Every
//! password write for a user happens under a Postgres advisory lock on that user, after
//! reloading the lease, which makes redeliveries, races and crashes harmless
//! (invariant 5). Graph calls go through a small per-connection gate that serves
//! revocations first and holds activations back while the connection is throttled.
//!
//! [`Worker::try_process_next`] is one unit of work for tests; [`Worker::run`] loops it.

#![warn(missing_docs)]

mod activation;
mod config;
mod credential;
mod credentials;
mod dispatch;
mod due;
mod effects;
mod failure;
mod gate;
mod revocation;
mod user_lock;
mod worker;

pub use config::WorkerConfig;
pub use revocation::FOLD_AT_MOST;
pub use worker::{Outcome, Worker, WorkerDeps, ACTIVATIONS_CONSUMER};
