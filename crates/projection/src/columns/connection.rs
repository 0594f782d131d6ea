//! Columns of `connections`.

use super::{col, Columns, PgQuery};
use crate::rows::ConnectionRow;

impl Columns for ConnectionRow {
    const COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("name", "text"),
        ("tenant_id", "text"),
        ("client_id", "text"),
        ("cloud", "jsonb"),
        ("created_at", "timestamptz"),
        ("rotated_at", "timestamptz"),
        ("deleted_at", "timestamptz"),
        ("last_sequence", "bigint"),
    ];

    fn bind<'q>(rows: &[&Self], query: PgQuery<'q>) -> PgQuery<'q> {
        query
            .bind(col(rows, |r| r.name.clone()))
            .bind(col(rows, |r| r.tenant_id.clone()))
            .bind(col(rows, |r| r.client_id.clone()))
            .bind(col(rows, |r| {
                serde_json::to_value(&r.cloud).unwrap_or(serde_json::Value::Null)
            }))
            .bind(col(rows, |r| r.created_at))
            .bind(col(rows, |r| r.rotated_at))
            .bind(col(rows, |r| r.deleted_at))
            .bind(col(rows, |r| r.last_sequence))
    }
}
