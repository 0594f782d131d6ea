//! NATS for the tests: the server's URL and a subject prefix of each test's own.

use leasehold_bus::Subjects;

/// The development NATS the tests use when `LEASEHOLD_NATS_URL` is not set.
pub const DEFAULT_URL: &str = "nats://127.0.0.1:4222";

/// `LEASEHOLD_NATS_URL`, else [`DEFAULT_URL`].
pub fn url() -> String {
    std::env::var("LEASEHOLD_NATS_URL").unwrap_or_else(|_| DEFAULT_URL.into())
}

/// A subject prefix no other test uses: `t` and 12 random hex digits.
pub fn unique_prefix() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// Subjects under a [`unique_prefix`] (no stream exists for them yet).
pub fn unique_subjects() -> Subjects {
    Subjects::new(&unique_prefix()).expect("prefix")
}
