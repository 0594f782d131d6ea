//! leasehold's read side: the projector that keeps read models from the event stream,
//! the rebuild from the event store, and the query service answering NATS requests.
//!
//! Read models (`connections`, `dynamic_secrets`, `leases`, `lease_activity`) hold no
//! secret, sealed or plain; see `docs/queries.md` for their JSON shapes.

#![warn(missing_docs)]

mod apply;
mod columns;
mod decode;
mod drift;
mod fold;
mod observe;
mod projector;
mod queries;
mod rebuild;
mod rows;
mod sql;
mod ttl;

pub use apply::{apply, apply_batch, ApplyError, ApplyStats};
pub use decode::DecodeError;
pub use drift::{verify_store, DriftCheck};
pub use projector::{Outcome, Projector, CONSUMER_NAME};
pub use queries::{
    DirectoryUser, QueryService, TenantAccess, UserDirectory, DEFAULT_LIMIT, MAX_LIMIT,
    MAX_PAYLOAD, QUEUE_GROUP,
};
pub use rebuild::rebuild;
pub use rows::{ActivityRow, ConnectionRow, LastError, LeaseRow, SecretRow};
