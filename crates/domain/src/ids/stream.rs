//! Which parsed id names each aggregate's event stream.

use std::fmt;

use crate::{Connection, ConnectionName, DynamicSecret, Lease, LeaseId, SecretName};

/// An aggregate whose stream (postgres-es aggregate id) is named by a parsed id, so code
/// that loads or runs commands passes the id type, never a bare string.
pub trait StreamId {
    /// The id; its `Display` form is the stored aggregate id.
    type Id: fmt::Display + Send + Sync;
}

impl StreamId for Lease {
    type Id = LeaseId;
}

impl StreamId for DynamicSecret {
    type Id = SecretName;
}

impl StreamId for Connection {
    type Id = ConnectionName;
}
