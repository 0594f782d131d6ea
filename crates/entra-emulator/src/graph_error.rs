//! Microsoft Graph errors: `{"error":{"code","message","innerError":{"date","request-id",
//! "client-request-id"}}}`. Handlers return a [`GraphError`]; the Graph layer
//! (`graph_layer.rs`) renders it once the request ids are known.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A Graph failure waiting to be rendered with the request's ids.
#[derive(Debug, Clone)]
pub(crate) struct GraphError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> GraphError {
        GraphError {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl AsRef<str>) -> GraphError {
        if let Ok(v) = HeaderValue::from_str(value.as_ref()) {
            self.headers.push((HeaderName::from_static(name), v));
        }
        self
    }

    pub fn unauthenticated(message: &str, base_url: &str) -> GraphError {
        Self::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message).with_header(
            "www-authenticate",
            format!(
                "Bearer realm=\"\", authorization_uri=\"{base_url}/common/oauth2/authorize\", client_id=\"{}\"",
                crate::claims::GRAPH_APP_ID
            ),
        )
    }

    pub fn denied() -> GraphError {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    pub fn not_found(key: &str) -> GraphError {
        Self::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present."),
        )
    }

    pub fn unsupported_query(message: impl Into<String>) -> GraphError {
        Self::new(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", message)
    }

    pub fn bad_request(message: impl Into<String>) -> GraphError {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// A pass refused by the tenant's TAP policy: Graph answers `badRequest` (reported).
    pub fn tap_refused(message: impl Into<String>) -> GraphError {
        Self::new(StatusCode::BAD_REQUEST, "badRequest", message)
    }

    pub fn password_policy() -> GraphError {
        Self::new(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "The specified password does not comply with password complexity requirements. Please provide a different password.",
        )
    }

    pub fn throttled(retry_after: u64, tenant: &str, app: &str) -> GraphError {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            format!("Too many requests. The write limit for this application in this tenant was exceeded; retry after {retry_after} seconds."),
        )
        .with_header("retry-after", retry_after.to_string())
        // Documented as `<Scope>/<Limit>/<ApplicationId>/<TenantId>`.
        .with_header("x-ms-throttle-scope", format!("Tenant_Application/Write/{app}/{tenant}"))
        .with_header("x-ms-throttle-information", "WriteLimitExceeded")
    }

    pub fn service_unavailable() -> GraphError {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "The service is temporarily unavailable. Please retry later.",
        )
        .with_header("retry-after", "1")
    }

    pub fn gateway_timeout() -> GraphError {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "UnknownError",
            "The gateway did not receive a timely response from the upstream server.",
        )
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        for (name, value) in &self.headers {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        response.extensions_mut().insert(self);
        response
    }
}
