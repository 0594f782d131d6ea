//! The leasehold worker: carries out the Graph effects of lease events.
//!
//! Two durable JetStream pull consumers feed it — `worker-activations` (`LeaseRequested`)
//! and `worker-revocations` (every lease event; it acts on `LeaseRevocationRequested` and
//! forced `LeaseRevoked`) — so revocations are never queued behind activations. Every
//! password write for a user happens under a Postgres advisory lock on that user, after
//! reloading the lease, which makes redeliveries, races and crashes harmless
//! (invariant 5). Graph calls go through a small per-connection gate that serves
//! revocations first and holds activations back while the connection is throttled.
//!
//! [`Worker::try_process_next`] is one unit of work for tests; [`Worker::run`] loops it.

#![warn(missing_docs)]

mod activation;
mod config;
mod dispatch;
mod effects;
mod failure;
mod gate;
mod revocation;
mod user_lock;
mod worker;

pub use config::WorkerConfig;
pub use worker::{Outcome, Worker, WorkerDeps, ACTIVATIONS_CONSUMER, REVOCATIONS_CONSUMER};
