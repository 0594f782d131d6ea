//! `at`: who held a working password for a user at a given time, and who asked for it.
//!
//! Answered from the `lease_activity` read model, one interval per lease from
//! `LeaseActivated` to `LeaseRevoked`. Setting a password on an Entra user invalidates the
//! previous one, so the only lease whose password can work at time `t` is the one
//! activated last at or before `t`; it is the holder if its interval is still open at `t`.
//! That is one backwards step on the `(user_principal_name, valid_from)` index, however
//! long the user's history. Data keys play no part: the interval outlives the key.

use chrono::{DateTime, Utc};
use leasehold_domain::UserPrincipalName;
use serde::Serialize;
use sqlx::PgPool;

use crate::AuditError;

/// A lease that held a working password for the user at the asked time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Holder {
    /// The lease.
    pub lease_id: String,
    /// The dynamic secret it was issued on.
    pub secret: String,
    /// Who asked for it.
    pub requested_by: String,
    /// The caller's request id, if given.
    pub request_id: Option<String>,
    /// When the password was set (`LeaseActivated`).
    pub valid_from: DateTime<Utc>,
    /// When it was revoked; `None` while the lease may still work.
    pub valid_to: Option<DateTime<Utc>>,
    /// True when an operator forced the end without a confirmed Graph call.
    pub forced: bool,
}

/// The lease whose password worked for `user` at `time`, if any. `user` is matched as the
/// lease recorded it (exactly). Eventually consistent: an activation or revocation of the
/// last moments shows once the projector has applied it.
pub async fn at(
    pool: &PgPool,
    user: &UserPrincipalName,
    time: DateTime<Utc>,
) -> Result<Option<Holder>, AuditError> {
    let latest: Option<Holder> = sqlx::query_as(
        "SELECT lease_id, secret, requested_by, request_id, valid_from, valid_to, forced
           FROM lease_activity
          WHERE user_principal_name = $1 AND valid_from <= $2
          ORDER BY valid_from DESC
          LIMIT 1",
    )
    .bind(user.as_str())
    .bind(time)
    .fetch_optional(pool)
    .await?;
    Ok(latest.filter(|h| h.valid_to.is_none_or(|end| end > time)))
}
