//! Postgres storage for leasehold: connection pool, migrations, the data-key store,
//! authenticated snapshots, typed access to the tables beside the events ([`Store`]) and
//! test databases. The event tables themselves are driven by postgres-es.

mod keys;
mod pool;
pub mod snapshots;
mod tables;
pub mod testing;

pub use keys::{KeyStore, KeyStoreError};
pub use pool::{connect, migrate, StoreError, MIGRATOR};
pub use snapshots::SnapshotKey;
pub use tables::{QuotaLock, RevocationClaim, Store};
