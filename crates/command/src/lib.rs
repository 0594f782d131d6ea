//! The command side of leasehold: runs domain commands over the Postgres event store,
//! seals secrets on the way in, and answers with facts or a coded [`CommandError`].

mod connections;
mod error;
mod executor;
mod graph_link;
mod leases;
mod meta;
mod policy;
mod reserve;
mod secrets;
pub mod service;

pub use connections::NewConnection;
pub use error::CommandError;
pub use executor::{Executed, Executor, Versioned, DEFAULT_CONFLICT_RETRIES};
pub use graph_link::endpoints;
pub use leases::RevocationFound;
pub use meta::{Meta, META_ACTOR, META_AT, META_REQUEST_ID, META_VIA};
pub use policy::{Policy, Rule};
pub use reserve::ORPHAN_GRACE_SECS;
pub use secrets::NewSecret;

use leasehold_domain::{Connection, DynamicSecret, Lease};
use leasehold_store::{KeyStore, SnapshotKey, Store};
use sqlx::PgPool;

/// Events between snapshots of a dynamic secret.
pub const SNAPSHOT_EVERY: usize = 50;

/// Runs every command of the three aggregates; cheap to share behind an `Arc`.
pub struct Commands {
    /// Connection commands.
    pub connections: Executor<Connection>,
    /// Dynamic secret commands.
    pub secrets: Executor<DynamicSecret>,
    /// Lease commands.
    pub leases: Executor<Lease>,
    keys: KeyStore,
    store: Store,
}

impl Commands {
    /// Command execution over `pool`, sealing with the data keys of `keys`.
    pub fn new(pool: PgPool, keys: KeyStore) -> Self {
        Self {
            connections: Executor::new(pool.clone(), DEFAULT_CONFLICT_RETRIES),
            secrets: Executor::with_snapshots(
                pool.clone(),
                DEFAULT_CONFLICT_RETRIES,
                SNAPSHOT_EVERY,
                SnapshotKey::derive(keys.master()),
            ),
            leases: Executor::new(pool.clone(), DEFAULT_CONFLICT_RETRIES),
            keys,
            store: Store::new(pool),
        }
    }

    /// The data-key store.
    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    /// The tables beside the events (request ids, quota, deadlines, lookups).
    pub fn store(&self) -> &Store {
        &self.store
    }
}
