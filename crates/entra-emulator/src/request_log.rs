//! A record of every request the emulator answered, so tests can assert on what a client
//! actually sent (how often it retried, whether it honoured Retry-After, …).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which surface a request hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestKind {
    /// `POST /{tenant}/oauth2/v2.0/token`.
    Token,
    /// Microsoft Graph, `/v1.0/...`.
    Graph,
    /// OpenID Connect discovery and keys.
    Oidc,
    /// The emulator's own `/_emulator/...` API.
    Admin,
}

impl RequestKind {
    /// Classifies a request path.
    pub fn of_path(path: &str) -> RequestKind {
        if path.starts_with("/_emulator") {
            RequestKind::Admin
        } else if path.starts_with("/v1.0/") || path == "/v1.0" {
            RequestKind::Graph
        } else if path.ends_with("/oauth2/v2.0/token") {
            RequestKind::Token
        } else {
            RequestKind::Oidc
        }
    }
}

/// One answered request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// When the request arrived (emulator clock).
    pub at: DateTime<Utc>,
    /// HTTP method.
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// Surface hit.
    pub kind: RequestKind,
    /// Calling application, when known (token requests and authenticated Graph calls).
    pub client_id: Option<String>,
    /// Tenant, when known.
    pub tenant: Option<String>,
    /// Response status.
    pub status: u16,
    /// The `Retry-After` seconds the response carried, if any.
    pub retry_after: Option<u64>,
}

/// Identity of the caller, attached by handlers to their response for the log.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallerInfo {
    pub client_id: Option<String>,
    pub tenant: Option<String>,
}
