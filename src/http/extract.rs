//! Who a request is from: a bearer token when the request has one, otherwise the
//! browser session cookie.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::auth::Principal;
use super::problem::Problem;
use super::Gateway;

impl FromRequestParts<Gateway> for Principal {
    type Rejection = Problem;

    /// A bearer token when the request has an `Authorization` header; otherwise the
    /// browser session cookie (with its CSRF token for anything but a read).
    async fn from_request_parts(parts: &mut Parts, gw: &Gateway) -> Result<Self, Problem> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return super::session::principal_from_cookie(
                &parts.headers,
                &parts.method,
                &gw.cookie_key,
            )?
            .ok_or_else(|| Problem::unauthenticated("missing bearer token"));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Problem::unauthenticated("missing bearer token"))?;
        Arc::clone(&gw.verifier).verify(token).await
    }
}
