//! Reading rows for queries: one by key, or a page in key order filtered by what the
//! actor may see.

use leasehold_command::CommandError;
use serde_json::Value;
use sqlx::PgPool;

use crate::fold::ReadModel;

/// How many pages a list scans to fill one reply when the actor sees few of the rows.
const MAX_ROUNDS: usize = 10;

/// A page of rows and the cursor to continue after, if there may be more.
pub(crate) type Page<M> = (Vec<M>, Option<String>);

/// The row with key `id`.
pub(crate) async fn get<M: ReadModel>(pool: &PgPool, id: &str) -> Result<Option<M>, CommandError> {
    let sql = format!(
        "SELECT to_jsonb(t) FROM {table} t WHERE {key} = $1",
        table = M::TABLE,
        key = M::KEY
    );
    let json: Option<Value> = sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(unavailable)?;
    json.map(decode).transpose()
}

/// Rows of `M::TABLE` in key order after `after`, keeping those `visible` says, until
/// `limit` are found or the table ends. `filters` is an SQL condition on `$1..$n`, bound
/// to `binds` in order (`NULL` disables a `($k::text IS NULL OR …)` filter).
pub(crate) async fn page<M: ReadModel>(
    pool: &PgPool,
    filters: &str,
    binds: &[Option<&str>],
    after: Option<String>,
    limit: i64,
    visible: impl Fn(&M) -> bool,
) -> Result<Page<M>, CommandError> {
    page_ordered(
        pool,
        filters,
        binds,
        after,
        limit,
        Order::Ascending,
        visible,
    )
    .await
}

pub(crate) use leasehold_api::Order;

/// Like [`page`], in `order`.
pub(crate) async fn page_ordered<M: ReadModel>(
    pool: &PgPool,
    filters: &str,
    binds: &[Option<&str>],
    mut after: Option<String>,
    limit: i64,
    order: Order,
    visible: impl Fn(&M) -> bool,
) -> Result<Page<M>, CommandError> {
    let n = binds.len();
    let (beyond, direction) = match order {
        Order::Ascending => (">", "ASC"),
        Order::Descending => ("<", "DESC"),
    };
    let sql = format!(
        "SELECT to_jsonb(t) FROM {table} t
          WHERE ({filters}) AND (${a}::text IS NULL OR {key} {beyond} ${a})
          ORDER BY {key} {direction} LIMIT ${l}",
        table = M::TABLE,
        key = M::KEY,
        a = n + 1,
        l = n + 2,
    );
    let target = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut items = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let mut query = sqlx::query_scalar::<_, Value>(&sql);
        for bind in binds {
            query = query.bind(*bind);
        }
        let rows = query
            .bind(after.as_deref())
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(unavailable)?;
        let full = rows.len() == target;
        for json in rows {
            let row: M = decode(json)?;
            after = Some(row.key().to_string());
            if visible(&row) {
                items.push(row);
                if items.len() == target {
                    return Ok((items, after));
                }
            }
        }
        if !full {
            return Ok((items, None));
        }
    }
    Ok((items, after))
}

fn decode<M: ReadModel>(json: Value) -> Result<M, CommandError> {
    serde_json::from_value(json).map_err(|e| {
        tracing::error!(table = M::TABLE, error = %e, "read-model row does not decode");
        CommandError::internal("a read-model row could not be decoded")
    })
}

fn unavailable(e: sqlx::Error) -> CommandError {
    tracing::warn!(error = %e, "read-model query failed");
    CommandError::unavailable("the read models are unavailable; retry later")
}
