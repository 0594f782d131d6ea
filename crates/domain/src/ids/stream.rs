//! Which parsed id names each aggregate's event stream.

use std::fmt;

use crate::{Connection, ConnectionName, DynamicSecret, Lease, LeaseId, SecretName};

/// An aggregate whose stream (postgres-es aggregate id) is named by a parsed id, so code
/// that loads or runs commands passes the id type, never a bare string.
pub trait StreamId {
    /// The id; its `Display` form is the stored aggregate id.
    type Id: fmt::Display + Send + Sync;
    /// What a `not_found` reply calls it (`details.kind`): `lease`, `secret`, `connection`.
    const KIND: &'static str;
}

impl StreamId for Lease {
    type Id = LeaseId;
    const KIND: &'static str = "lease";
}

impl StreamId for DynamicSecret {
    type Id = SecretName;
    const KIND: &'static str = "secret";
}

impl StreamId for Connection {
    type Id = ConnectionName;
    const KIND: &'static str = "connection";
}
