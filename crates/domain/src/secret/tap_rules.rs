//! The rules a Temporary Access Pass secret adds: every TTL (default, max, each lease's)
//! is a whole number of minutes within the tenant's TAP policy, because Entra sets the
//! pass's lifetime in minutes and refuses one outside the policy.

use super::{CredentialKind, SecretError, TapBounds};
use crate::Ttl;

/// Checks `ttls` against the kind's rules; returns the bounds to keep (TAP only).
pub(super) fn check_kind(
    kind: CredentialKind,
    bounds: Option<TapBounds>,
    ttls: &[Ttl],
) -> Result<Option<TapBounds>, SecretError> {
    if !kind.is_tap() {
        return Ok(None);
    }
    let bounds = bounds.ok_or(SecretError::TapPolicyUnknown)?;
    for ttl in ttls {
        if !fits(*ttl, bounds) {
            return Err(SecretError::TtlOutsideTapPolicy {
                ttl: *ttl,
                min_minutes: bounds.min_minutes,
                max_minutes: bounds.max_minutes,
            });
        }
    }
    Ok(Some(bounds))
}

/// Whether `ttl` is whole minutes within `bounds`.
fn fits(ttl: Ttl, bounds: TapBounds) -> bool {
    let secs = ttl.as_secs();
    let minutes = secs / 60;
    secs.is_multiple_of(60)
        && minutes >= u64::from(bounds.min_minutes)
        && minutes <= u64::from(bounds.max_minutes)
}
