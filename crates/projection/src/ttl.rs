//! TTLs in read models: whole seconds, in columns and in replies.

use leasehold_domain::Ttl;

/// A TTL as the `bigint` seconds stored in read models.
pub(crate) fn secs(ttl: Ttl) -> i64 {
    // Ttl::MAX_SECS (10 years) is far below i64::MAX, so the conversion cannot fail.
    i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)
}
