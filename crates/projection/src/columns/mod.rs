//! How rows are written: each read model binds its rows column by column as typed
//! arrays, so a batch of thousands of rows is one `INSERT … SELECT FROM UNNEST(…)` with
//! binary parameters (no per-row statements, no JSON to parse on the server).

mod connection;
mod lease;
mod secret;

use sqlx::postgres::PgArguments;
use sqlx::Postgres;

/// A query being built, with its bound arguments.
pub(crate) type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

/// The columns of a read-model table and how to bind a batch of rows to them.
pub(crate) trait Columns: Sized {
    /// `(column, SQL type)` of every column, in the order `bind` binds them.
    const COLUMNS: &'static [(&'static str, &'static str)];

    /// Binds one array per column, in `COLUMNS` order.
    fn bind<'q>(rows: &[&Self], query: PgQuery<'q>) -> PgQuery<'q>;
}

/// One column of `rows` as an array.
pub(crate) fn col<R, T>(rows: &[&R], field: impl Fn(&R) -> T) -> Vec<T> {
    rows.iter().map(|row| field(row)).collect()
}
