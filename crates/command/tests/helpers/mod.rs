//! Shared set-up for the command-side integration tests: the common fixture world.
#![allow(unused_imports)] // each test binary uses a different part of this module

pub use leasehold_testkit::{meta, t0, world, World, CLIENT_SECRET, PASSWORD};
