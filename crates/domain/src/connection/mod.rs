//! The `Connection` aggregate: an Entra app registration leasehold uses to call Graph.

mod aggregate;
mod command;
mod error;
mod event;

pub use aggregate::{Connection, ConnectionDetails};
pub use command::ConnectionCommand;
pub use error::ConnectionError;
pub use event::ConnectionEvent;

#[cfg(test)]
mod tests;
