//! Browser sessions: after signing in (see [`super::signin`]) a person's browser holds
//! an encrypted, authenticated cookie naming the actor, its app roles, a CSRF token and
//! an expiry. Nothing is kept on the server, so any number of gateways sharing the
//! session key can serve. Requests that change something must repeat the CSRF token in
//! `X-CSRF-Token`; a cookie alone is never enough to change anything.

use axum::http::{HeaderMap, Method};
use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SameSite};
use chrono::Utc;
use leasehold_api::ErrorCode;
use leasehold_domain::Actor;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::auth::Principal;
use super::problem::Problem;

/// The session cookie. `__Host-`: Secure, no `Domain`, `Path=/` — a sibling host cannot
/// set or shadow it.
pub const SESSION_COOKIE: &str = "__Host-leasehold-session";
/// The cookie carrying a sign-in in progress (state, nonce, PKCE verifier).
pub const LOGIN_COOKIE: &str = "__Host-leasehold-login";
/// The header a state-changing request repeats the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What a session cookie holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    /// The signed-in actor.
    pub actor: String,
    /// The app roles of the token the session came from.
    pub roles: Vec<String>,
    /// The token state-changing requests must carry in `X-CSRF-Token`.
    pub csrf: String,
    /// Unix seconds after which the session is void.
    pub expires_at: i64,
}

impl Session {
    /// The principal of a live session; `None` once it has expired or its actor no
    /// longer parses.
    pub fn principal(&self) -> Option<Principal> {
        if self.expires_at <= Utc::now().timestamp() {
            return None;
        }
        let actor = Actor::parse(&self.actor).ok()?;
        Some(Principal {
            actor,
            roles: self.roles.clone(),
        })
    }
}

/// An encrypted cookie holding `value` as JSON, living `max_age` seconds.
pub fn seal<T: Serialize>(
    jar: PrivateCookieJar,
    name: &'static str,
    value: &T,
    max_age: i64,
) -> PrivateCookieJar {
    let json = serde_json::to_string(value).unwrap_or_default();
    jar.add(
        Cookie::build((name, json))
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(time::Duration::seconds(max_age.max(0))),
    )
}

/// The value of the encrypted cookie `name`, if present, authentic and well formed.
pub fn open<T: DeserializeOwned>(jar: &PrivateCookieJar, name: &str) -> Option<T> {
    jar.get(name)
        .and_then(|c| serde_json::from_str(c.value()).ok())
}

/// `jar` without the cookie `name` (an expired, empty one is sent).
pub fn clear(jar: PrivateCookieJar, name: &'static str) -> PrivateCookieJar {
    jar.remove(Cookie::build(name).path("/"))
}

/// The principal of the session cookie in `headers`, for a request with `method`:
/// `None` when there is no usable session; `forbidden` when the request would change
/// something and lacks the session's CSRF token.
pub fn principal_from_cookie(
    headers: &HeaderMap,
    method: &Method,
    key: &Key,
) -> Result<Option<Principal>, Problem> {
    let jar = PrivateCookieJar::from_headers(headers, key.clone());
    let Some(session) = open::<Session>(&jar, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(principal) = session.principal() else {
        return Ok(None);
    };
    if !is_safe(method) {
        let sent = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !same(sent.as_bytes(), session.csrf.as_bytes()) {
            return Err(Problem::new(
                ErrorCode::Forbidden,
                "a signed-in browser must send the session's CSRF token in X-CSRF-Token \
                 to change anything (GET /v1/auth/session gives it)",
            ));
        }
    }
    Ok(Some(principal))
}

/// Methods that change nothing.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Equality in time independent of where the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A random URL-safe token of 32 bytes.
pub fn random_token() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn cookie_headers(key: &Key, session: &Session) -> HeaderMap {
        use axum::response::IntoResponse as _;
        let jar = seal(
            PrivateCookieJar::new(key.clone()),
            SESSION_COOKIE,
            session,
            600,
        );
        let response = jar.into_response();
        let set = response.headers()[axum::http::header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(set.contains("HttpOnly") && set.contains("Secure") && set.contains("SameSite=Lax"));
        let pair = set.split(';').next().unwrap().to_string();
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            HeaderValue::from_str(&pair).unwrap(),
        );
        headers
    }

    fn session(expires_in: i64) -> Session {
        Session {
            actor: "alice@contoso.onmicrosoft.com".into(),
            roles: vec![],
            csrf: random_token(),
            expires_at: Utc::now().timestamp() + expires_in,
        }
    }

    #[test]
    fn a_read_needs_only_the_cookie_and_a_change_needs_the_csrf_token() {
        let key = Key::generate();
        let s = session(600);
        let mut headers = cookie_headers(&key, &s);
        let who = principal_from_cookie(&headers, &Method::GET, &key).unwrap();
        assert_eq!(who.unwrap().actor.as_str(), "alice@contoso.onmicrosoft.com");
        let refused = principal_from_cookie(&headers, &Method::POST, &key).unwrap_err();
        assert_eq!(refused.code, ErrorCode::Forbidden);
        headers.insert(CSRF_HEADER, HeaderValue::from_static("wrong"));
        assert!(principal_from_cookie(&headers, &Method::DELETE, &key).is_err());
        headers.insert(CSRF_HEADER, HeaderValue::from_str(&s.csrf).unwrap());
        assert!(principal_from_cookie(&headers, &Method::DELETE, &key)
            .unwrap()
            .is_some());
    }

    #[test]
    fn an_expired_a_forged_or_a_foreign_cookie_is_no_session() {
        let key = Key::generate();
        let headers = cookie_headers(&key, &session(-1));
        assert!(principal_from_cookie(&headers, &Method::GET, &key)
            .unwrap()
            .is_none());
        let headers = cookie_headers(&Key::generate(), &session(600));
        assert!(principal_from_cookie(&headers, &Method::GET, &key)
            .unwrap()
            .is_none());
        let mut forged = HeaderMap::new();
        let plain = serde_json::to_string(&session(600)).unwrap();
        forged.insert(
            axum::http::header::COOKIE,
            HeaderValue::from_str(&format!("{SESSION_COOKIE}={}", plain.replace('"', ""))).unwrap(),
        );
        assert!(principal_from_cookie(&forged, &Method::GET, &key)
            .unwrap()
            .is_none());
    }
}
