//! `GET /v1.0/users` (paged, filtered, searched) and `GET /v1.0/users/{id|upn}`.

use crate::form::parse_form;
use crate::graph_auth::{Caller, READ_USERS};
use crate::graph_error::GraphError;
use crate::shared::{lock, Shared};
use crate::users_query::{self, encode_component, encode_skiptoken, UsersQuery};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Map, Value};
use std::sync::Arc;

fn eventual(headers: &HeaderMap) -> bool {
    headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
}

fn context(base: &str, query: &UsersQuery, suffix: &str) -> String {
    match &query.select {
        Some(props) => format!("{base}/v1.0/$metadata#users({}){suffix}", props.join(",")),
        None => format!("{base}/v1.0/$metadata#users{suffix}"),
    }
}

/// `GET /v1.0/users`.
pub(crate) async fn list_users(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, GraphError> {
    caller.require(READ_USERS)?;
    let pairs: Vec<(String, String)> = parse_form(raw.unwrap_or_default().as_bytes())
        .into_iter()
        .collect();
    let query = users_query::parse(&sorted(pairs), eventual(&headers), false)?;
    let properties = query.properties();
    let dir = lock(&shared.directory);
    let tenant = dir
        .tenant(&caller.tenant_id.to_string())
        .ok_or_else(GraphError::denied)?;
    let matching = tenant.users.iter().filter(|(_, u)| query.matches(u));
    let total = query.count.then(|| matching.clone().count());
    let mut remaining =
        matching.filter(|(key, _)| query.after.as_ref().is_none_or(|after| *key > after));
    let page: Vec<_> = remaining.by_ref().take(query.top).collect();
    let more = remaining.next().is_some();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(&shared.base_url, &query, "")),
    );
    if let Some(total) = total {
        body.insert("@odata.count".into(), json!(total));
    }
    if let (true, Some((last, _))) = (more, page.last()) {
        let mut link = format!("{}/v1.0/users?", shared.base_url);
        for (k, v) in &query.carried {
            link.push_str(&format!("{}={}&", encode_component(k), encode_component(v)));
        }
        link.push_str(&format!("$skiptoken={}", encode_skiptoken(last)));
        body.insert("@odata.nextLink".into(), json!(link));
    }
    let values: Vec<Value> = page
        .iter()
        .map(|(_, u)| Value::Object(crate::user_props::project(u, &properties)))
        .collect();
    body.insert("value".into(), Value::Array(values));
    Ok(Json(Value::Object(body)))
}

/// Keeps the client's parameter order stable for nextLinks (the form parser is a map).
fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

/// `GET /v1.0/users/{id|upn}`.
pub(crate) async fn get_user(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, GraphError> {
    caller.require(READ_USERS)?;
    let pairs: Vec<(String, String)> = parse_form(raw.unwrap_or_default().as_bytes())
        .into_iter()
        .collect();
    let query = users_query::parse(&sorted(pairs), eventual(&headers), true)?;
    let dir = lock(&shared.directory);
    let user = dir
        .tenant(&caller.tenant_id.to_string())
        .and_then(|t| t.user(&key))
        .ok_or_else(|| GraphError::not_found(&key))?;
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(&shared.base_url, &query, "/$entity")),
    );
    body.extend(crate::user_props::project(user, &query.properties()));
    Ok(Json(Value::Object(body)))
}
