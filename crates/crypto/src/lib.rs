//! Sealing of secrets for leasehold (design §7).
//!
//! Every secret that enters the event log is sealed with AES-256-GCM under its own
//! random *data key*. Data keys are wrapped by the *master key* and stored outside the
//! event log, so destroying a data key makes the sealed value unrecoverable
//! (crypto-shredding) while the history stays intact, and rotating the master key
//! re-wraps data keys without touching events.

mod data_key;
mod error;
mod master_key;
mod seal;

pub use data_key::{DataKey, WrappedKey};
pub use error::CryptoError;
pub use master_key::{MasterKey, MASTER_KEY_ENV};
pub use seal::{open, seal};
