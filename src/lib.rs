//! leasehold: event-sourced dynamic secrets for Microsoft Entra ID.
//!
//! The binary's commands live in `main.rs`; this library holds the wiring that tests and
//! the binary share.

pub mod app;
pub mod audit;
pub mod client;
pub mod demo;
mod components;
mod directory;
pub mod config;
pub mod database;
pub mod signin;
pub mod tls;

pub use config::Config;
