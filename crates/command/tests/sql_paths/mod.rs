//! Finding the JSON paths SQL reads, and events to check them against.

pub mod samples;
pub mod scan;
