//! Middleware around every Graph route: request ids, injected faults, and rendering of
//! [`GraphError`]s into the Graph error envelope.

use crate::claims::AccessClaims;
use crate::graph_error::GraphError;
use crate::request_log::CallerInfo;
use crate::shared::{lock, Shared};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// Wraps a Graph request.
pub(crate) async fn graph_layer(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let request_id = Uuid::new_v4().to_string();
    let client_request_id = request
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| request_id.clone());
    let caller = caller_from_bearer(&shared, request.headers());
    let faults = lock(&shared.faults).clone();
    let mut response = match crate::faults::inject(&faults).await {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    };
    if let Some(error) = response.extensions_mut().remove::<GraphError>() {
        let body = json!({
            "error": {
                "code": error.code,
                "message": error.message,
                "innerError": {
                    "date": shared.clock.now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                    "request-id": request_id,
                    "client-request-id": client_request_id,
                }
            }
        });
        *response.body_mut() = Body::from(body.to_string());
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    let headers = response.headers_mut();
    for (name, value) in [
        ("request-id", &request_id),
        ("client-request-id", &client_request_id),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    }
    if response.extensions().get::<CallerInfo>().is_none() {
        response.extensions_mut().insert(caller);
    }
    response
}

/// Who a Graph request claims to be, for the request log (signature checked, expiry not).
fn caller_from_bearer(shared: &Shared, headers: &HeaderMap) -> CallerInfo {
    bearer(headers)
        .and_then(|t| shared.signer.verify::<AccessClaims>(t).ok())
        .map(|c| CallerInfo {
            client_id: Some(c.appid),
            tenant: Some(c.tid),
        })
        .unwrap_or_default()
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}
