//! leasehold: event-sourced dynamic secrets for Microsoft Entra ID.
//!
//! The binary's commands live in `src/cli/` (one module per noun); this library holds
//! the wiring that tests and the binary share.

pub mod app;
pub mod client;
mod components;
pub mod config;
pub mod database;
pub mod demo;
mod directory;
pub mod engine;
pub mod hardening;
pub mod health;
pub mod http;
pub mod keys;
pub mod logging;
pub mod metrics;
pub mod signin;
pub mod tls;

pub use config::{Config, Limits};
