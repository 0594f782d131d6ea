//! Columns of `dynamic_secrets`.

use super::{col, Columns, PgQuery};
use crate::rows::SecretRow;

impl Columns for SecretRow {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("name", "text"),
        ("connection", "text"),
        ("user_object_id", "text"),
        ("user_principal_name", "text"),
        ("display_name", "text"),
        ("default_ttl_secs", "bigint"),
        ("max_ttl_secs", "bigint"),
        ("credential_kind", "text"),
        ("usable_once", "boolean"),
        ("live_lease_id", "text"),
        ("created_at", "timestamptz"),
        ("updated_at", "timestamptz"),
        ("deleted_at", "timestamptz"),
        ("last_sequence", "bigint"),
    ];

    fn bind<'q>(rows: &[&Self], query: PgQuery<'q>) -> PgQuery<'q> {
        query
            .bind(col(rows, |r| r.name.clone()))
            .bind(col(rows, |r| r.connection.clone()))
            .bind(col(rows, |r| r.user_object_id.clone()))
            .bind(col(rows, |r| r.user_principal_name.clone()))
            .bind(col(rows, |r| r.display_name.clone()))
            .bind(col(rows, |r| r.default_ttl_secs))
            .bind(col(rows, |r| r.max_ttl_secs))
            .bind(col(rows, |r| r.credential_kind.clone()))
            .bind(col(rows, |r| r.usable_once))
            .bind(col(rows, |r| r.live_lease_id.clone()))
            .bind(col(rows, |r| r.created_at))
            .bind(col(rows, |r| r.updated_at))
            .bind(col(rows, |r| r.deleted_at))
            .bind(col(rows, |r| r.last_sequence))
    }
}
