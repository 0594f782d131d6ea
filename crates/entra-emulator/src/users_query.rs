//! Query options of `GET /v1.0/users` and `GET /v1.0/users/{id}`: `$top`, `$select`,
//! `$filter`, `$search`, `$count`, `$skiptoken`, and the `ConsistencyLevel` rules.

use crate::filter::{self, Filter, FilterError};
use crate::graph_error::GraphError;
use crate::user::User;
use crate::user_props::{canonical, DEFAULT_PROPERTIES};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Default and maximum page sizes.
pub(crate) const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 999;

/// A validated users query.
pub(crate) struct UsersQuery {
    pub top: usize,
    /// Explicit `$select`, canonical names in the order given.
    pub select: Option<Vec<&'static str>>,
    pub filter: Option<Filter>,
    pub search: Option<Vec<(&'static str, String)>>,
    pub count: bool,
    /// Listing resumes after this user id.
    pub after: Option<String>,
    /// The query pairs to carry into `@odata.nextLink` (everything but `$skiptoken`).
    pub carried: Vec<(String, String)>,
}

impl UsersQuery {
    /// The properties to return.
    pub fn properties(&self) -> Vec<&'static str> {
        self.select
            .clone()
            .unwrap_or_else(|| DEFAULT_PROPERTIES.to_vec())
    }

    /// Whether `user` passes `$filter` and `$search`.
    pub fn matches(&self, user: &User) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(user))
            && self
                .search
                .as_ref()
                .is_none_or(|terms| terms.iter().any(|(p, v)| search_matches(user, p, v)))
    }
}

/// `$search` on a property matches when any word of it starts with the term.
fn search_matches(user: &User, property: &str, term: &str) -> bool {
    let value = match crate::user_props::property(user, property) {
        serde_json::Value::String(s) => s.to_lowercase(),
        _ => return false,
    };
    let term = term.to_lowercase();
    value.starts_with(&term)
        || value
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w.starts_with(&term))
}

/// Parses and validates the options; `eventual` is whether `ConsistencyLevel: eventual` was sent.
pub(crate) fn parse(
    pairs: &[(String, String)],
    eventual: bool,
    single: bool,
) -> Result<UsersQuery, GraphError> {
    let mut query = UsersQuery {
        top: DEFAULT_PAGE,
        select: None,
        filter: None,
        search: None,
        count: false,
        after: None,
        carried: Vec::new(),
    };
    for (key, value) in pairs {
        let key_lower = key.to_ascii_lowercase();
        if key_lower != "$skiptoken" {
            query.carried.push((key.clone(), value.clone()));
        }
        match key_lower.as_str() {
            "$select" => query.select = Some(parse_select(value)?),
            _ if single => {}
            "$top" => {
                query.top = value.trim().parse::<usize>().ok().filter(|n| (1..=MAX_PAGE).contains(n)).ok_or_else(|| {
                    GraphError::unsupported_query(format!("Invalid page size specified: '{value}'. Must be between 1 and {MAX_PAGE} inclusive."))
                })?
            }
            "$filter" => {
                let parsed = filter::parse(value).map_err(|e| match e {
                    FilterError::Syntax(why) => GraphError::bad_request(format!("Invalid filter clause: {why}")),
                    FilterError::Unsupported(p) => GraphError::unsupported_query(format!("Unsupported or invalid query filter clause specified for property '{p}' of resource 'User'.")),
                })?;
                if parsed.is_advanced() && !eventual {
                    return Err(GraphError::unsupported_query("Unsupported or invalid query filter clause specified for resource 'User'. Advanced queries (ne, not, endsWith) need the header 'ConsistencyLevel: eventual' and $count=true."));
                }
                query.filter = Some(parsed);
            }
            "$search" => {
                if !eventual {
                    return Err(GraphError::unsupported_query("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"));
                }
                query.search = Some(parse_search(value)?);
            }
            "$count" => {
                if !eventual {
                    return Err(GraphError::unsupported_query("$count is only supported with the header 'ConsistencyLevel: eventual'."));
                }
                query.count = value.eq_ignore_ascii_case("true");
            }
            "$skiptoken" => query.after = Some(decode_skiptoken(value)?),
            "$orderby" | "$expand" | "$skip" => {
                return Err(GraphError::unsupported_query(format!("The query option '{key}' is not supported by the emulator.")));
            }
            _ => {}
        }
    }
    // Graph answers advanced filters (ne, not, endsWith) only with `$count=true` too,
    // whichever order the options came in.
    if query.filter.as_ref().is_some_and(|f| f.is_advanced()) && !query.count {
        return Err(GraphError::unsupported_query("Unsupported or invalid query filter clause specified for resource 'User'. Advanced queries (ne, not, endsWith) need the header 'ConsistencyLevel: eventual' and $count=true."));
    }
    Ok(query)
}

fn parse_select(value: &str) -> Result<Vec<&'static str>, GraphError> {
    value
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            canonical(p).ok_or_else(|| {
                GraphError::bad_request(format!(
                    "Could not find a property named '{}' on type 'microsoft.graph.user'.",
                    p.trim()
                ))
            })
        })
        .collect()
}

/// `"displayName:ali" OR "mail:bob"` → terms; each clause must be quoted `property:value`.
fn parse_search(value: &str) -> Result<Vec<(&'static str, String)>, GraphError> {
    let syntax = || {
        GraphError::bad_request(format!("Syntax error: character '{value}' is not valid in $search. Use \"property:value\" clauses."))
    };
    let mut terms = Vec::new();
    for clause in value.split(" OR ").flat_map(|c| c.split(" AND ")) {
        let clause = clause.trim();
        let inner = clause
            .strip_prefix('"')
            .and_then(|c| c.strip_suffix('"'))
            .ok_or_else(syntax)?;
        let (prop, term) = inner.split_once(':').ok_or_else(syntax)?;
        let prop = canonical(prop)
            .filter(|p| {
                [
                    "displayName",
                    "mail",
                    "userPrincipalName",
                    "givenName",
                    "surname",
                    "mailNickname",
                ]
                .contains(p)
            })
            .ok_or_else(|| {
                GraphError::unsupported_query(format!("Unsupported property '{prop}' in $search."))
            })?;
        terms.push((prop, term.to_string()));
    }
    Ok(terms)
}

/// Opaque page token for "resume after this user id".
pub(crate) fn encode_skiptoken(after_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("emu1:{after_id}"))
}

fn decode_skiptoken(token: &str) -> Result<String, GraphError> {
    URL_SAFE_NO_PAD
        .decode(token.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("emu1:").map(str::to_string))
        .ok_or_else(|| {
            GraphError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "Directory_ExpiredPageToken",
                "The specified page token value has expired and can no longer be included in your request.",
            )
        })
}

/// Percent-encodes a query component (RFC 3986 unreserved characters and `$` stay).
pub(crate) fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'$' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
