//! Client for the Microsoft identity platform and Microsoft Graph, as leasehold needs it:
//! client-credentials tokens (cached, one refresh in flight), user listing and lookup,
//! password resets and session revocation, with throttling-aware retries and typed errors.
//!
//! Clouds are configuration ([`CloudEndpoints`]); secrets stay in [`secrecy::SecretString`]
//! and never reach logs or errors.

#![warn(missing_docs)]

mod classify;
mod client;
mod cloud;
mod config;
mod credentials;
mod error;
pub mod grants;
mod password;
mod retry;
mod tap;
mod throttle_gate;
mod token;
mod token_cache;
mod transport;
mod users;

pub use client::GraphClient;
pub use cloud::CloudEndpoints;
pub use config::GraphConfig;
pub use credentials::Credentials;
pub use error::{ErrorKind, GraphError};
pub use grants::{role_name, AppGrants, MANAGES_ADMINS, MANAGES_ORDINARY_USERS, ROLE_NAMES};
pub use password::{
    check_password_policy, generate_password, PolicyViolation, DEFAULT_PASSWORD_LENGTH,
    MAX_PASSWORD_LENGTH, MIN_GENERATED_LENGTH, MIN_POLICY_LENGTH, SYMBOLS,
};
pub use tap::{NewTap, TapMethod, TapPolicy};
pub use users::{User, UserQuery, MAX_PAGE_SIZE};
