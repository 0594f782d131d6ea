//! `at`: who held a working password for a user at a given time, and who asked for it.
//!
//! Answered from the `lease_activity` read model, one interval per lease from
//! `LeaseActivated` to `LeaseRevoked`. Setting a password on an Entra user invalidates the
//! previous one, so the only lease whose password can work at time `t` is the one
//! activated last at or before `t`; it is the holder if its interval is still open at `t`.
//! That is one backwards step on the `(user_principal_name, valid_from)` index, however
//! long the user's history. Data keys play no part: the interval outlives the key.

use chrono::{DateTime, Utc};
use leasehold_api::Holder;
use leasehold_domain::UserPrincipalName;
use sqlx::PgPool;

use crate::AuditError;

/// A `lease_activity` row, in [`Holder`] order.
type HolderRow = (
    String,
    String,
    String,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    bool,
);

/// The lease whose password worked for `user` at `time`, if any. `user` is matched as the
/// lease recorded it (exactly). Eventually consistent: an activation or revocation of the
/// last moments shows once the projector has applied it.
pub async fn at(
    pool: &PgPool,
    user: &UserPrincipalName,
    time: DateTime<Utc>,
) -> Result<Option<Holder>, AuditError> {
    let latest: Option<HolderRow> = sqlx::query_as(
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
    let latest = latest.map(
        |(lease_id, secret, requested_by, request_id, valid_from, valid_to, forced)| Holder {
            lease_id,
            secret,
            requested_by,
            request_id,
            valid_from,
            valid_to,
            forced,
        },
    );
    Ok(latest.filter(|h| h.valid_to.is_none_or(|end| end > time)))
}
