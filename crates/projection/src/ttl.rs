//! TTLs in read models: whole seconds in columns, the compact human form in replies.

use leasehold_domain::Ttl;

/// A TTL as the `bigint` seconds stored in read models.
pub(crate) fn secs(ttl: Ttl) -> i64 {
    // Ttl::MAX_SECS (10 years) is far below i64::MAX, so the conversion cannot fail.
    i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)
}

/// The human form (`1h30m`) of a stored TTL, or plain seconds if it is out of range.
pub(crate) fn human(secs: i64) -> String {
    u64::try_from(secs)
        .ok()
        .and_then(|s| Ttl::from_secs(s).ok())
        .map(|ttl| ttl.to_string())
        .unwrap_or_else(|| format!("{secs}s"))
}
