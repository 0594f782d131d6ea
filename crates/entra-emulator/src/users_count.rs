//! `GET /v1.0/users/$count`: the number of users (matching `$filter`/`$search`), as
//! plain text; like every count, only with `ConsistencyLevel: eventual`.

use crate::form::parse_form;
use crate::graph_auth::{Caller, READ_USERS};
use crate::graph_error::GraphError;
use crate::shared::{lock, Shared};
use crate::users_query;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Handles the count.
pub(crate) async fn count_users(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, GraphError> {
    caller.require(READ_USERS)?;
    let eventual = headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"));
    if !eventual {
        return Err(GraphError::unsupported_query(
            "$count is only supported with the header 'ConsistencyLevel: eventual'.",
        ));
    }
    let mut pairs: Vec<(String, String)> = parse_form(raw.unwrap_or_default().as_bytes())
        .into_iter()
        .collect();
    // The count itself stands for `$count=true`.
    pairs.push(("$count".into(), "true".into()));
    pairs.sort();
    let query = users_query::parse(&pairs, true, false)?;
    let dir = lock(&shared.directory);
    let tenant = dir
        .tenant(&caller.tenant_id.to_string())
        .ok_or_else(GraphError::denied)?;
    let n = tenant.users.values().filter(|u| query.matches(u)).count();
    Ok(([(header::CONTENT_TYPE, "text/plain")], n.to_string()).into_response())
}
