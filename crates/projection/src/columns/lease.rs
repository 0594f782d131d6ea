//! Columns of `leases`.

use super::{col, Columns, PgQuery};
use crate::rows::LeaseRow;

impl Columns for LeaseRow {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("lease_id", "text"),
        ("secret", "text"),
        ("connection", "text"),
        ("user_object_id", "text"),
        ("user_principal_name", "text"),
        ("status", "text"),
        ("ttl_secs", "bigint"),
        ("issued_at", "timestamptz"),
        ("expires_at", "timestamptz"),
        ("max_expires_at", "timestamptz"),
        ("activated_at", "timestamptz"),
        ("activation_failed_at", "timestamptz"),
        ("activation_failure", "text"),
        ("revocation_requested_at", "timestamptz"),
        ("revoked_at", "timestamptz"),
        ("revocation_reason", "text"),
        ("forced", "boolean"),
        ("user_missing", "boolean"),
        ("renewals", "integer"),
        ("activation_attempts", "integer"),
        ("revocation_attempts", "integer"),
        ("revocation_failing", "boolean"),
        ("last_error", "jsonb"),
        ("requested_by", "text"),
        ("request_id", "text"),
        ("updated_at", "timestamptz"),
        ("last_sequence", "bigint"),
    ];

    fn bind<'q>(rows: &[&Self], query: PgQuery<'q>) -> PgQuery<'q> {
        query
            .bind(col(rows, |r| r.lease_id.clone()))
            .bind(col(rows, |r| r.secret.clone()))
            .bind(col(rows, |r| r.connection.clone()))
            .bind(col(rows, |r| r.user_object_id.clone()))
            .bind(col(rows, |r| r.user_principal_name.clone()))
            .bind(col(rows, |r| r.status.clone()))
            .bind(col(rows, |r| r.ttl_secs))
            .bind(col(rows, |r| r.issued_at))
            .bind(col(rows, |r| r.expires_at))
            .bind(col(rows, |r| r.max_expires_at))
            .bind(col(rows, |r| r.activated_at))
            .bind(col(rows, |r| r.activation_failed_at))
            .bind(col(rows, |r| r.activation_failure.clone()))
            .bind(col(rows, |r| r.revocation_requested_at))
            .bind(col(rows, |r| r.revoked_at))
            .bind(col(rows, |r| r.revocation_reason.clone()))
            .bind(col(rows, |r| r.forced))
            .bind(col(rows, |r| r.user_missing))
            .bind(col(rows, |r| r.renewals))
            .bind(col(rows, |r| r.activation_attempts))
            .bind(col(rows, |r| r.revocation_attempts))
            .bind(col(rows, |r| r.revocation_failing))
            .bind(col(rows, |r| {
                // LastError is plain strings and a time: serializing cannot fail.
                r.last_error
                    .as_ref()
                    .and_then(|e| serde_json::to_value(e).ok())
            }))
            .bind(col(rows, |r| r.requested_by.clone()))
            .bind(col(rows, |r| r.request_id.clone()))
            .bind(col(rows, |r| r.updated_at))
            .bind(col(rows, |r| r.last_sequence))
    }
}
