//! The web dashboard, served by the gateway at `/`: server-rendered HTML (maud, which
//! escapes every value) over the same operations as the API, on behalf of the person
//! signed in with the browser session. Forms post back with the session's CSRF token;
//! a small script of our own (`/assets/dashboard.js`, no inline script anywhere) adds
//! live lease updates from `/v1/events`, copy-to-clipboard and countdowns.

mod audit;
mod connections;
mod leases;
mod overview;
mod secrets;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::PrivateCookieJar;
use maud::{html, Markup, DOCTYPE};
use serde::Serialize;
use serde_json::Value;

use super::session::{open, Session, SESSION_COOKIE};
use super::{Gateway, Principal, Problem};
use leasehold_api::{CredentialKind, ErrorCode, Operation};

/// The dashboard's routes.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/", get(overview::page))
        .route(
            "/connections/new",
            get(connections::form).post(connections::create),
        )
        .route(
            "/connections/{name}/rotate",
            get(connections::rotate_form).post(connections::rotate),
        )
        .route("/secrets", get(secrets::list))
        .route("/secrets/new", get(secrets::form).post(secrets::create))
        .route("/secrets/{name}", get(secrets::show))
        .route("/secrets/{name}/lease", post(leases::generate))
        .route("/leases", get(leases::list))
        .route("/leases/{id}", get(leases::show))
        .route("/leases/{id}/renew", post(leases::renew))
        .route("/leases/{id}/revoke", post(leases::revoke))
        .route("/audit", get(audit::page))
        .route("/signout", post(signout))
        .route("/assets/dashboard.css", get(css))
        .route("/assets/dashboard.js", get(js))
        .layer(middleware::from_fn(security_headers))
}

/// The strict headers every dashboard answer carries.
async fn security_headers(request: axum::extract::Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
         connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    set(headers, "referrer-policy", "no-referrer");
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, "cache-control", "no-store");
    }
    response
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", include_str!("dashboard.css"))
}

async fn js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("dashboard.js"),
    )
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// The person looking at a page: the session's principal and its CSRF token. Without a
/// session, a page redirects to the sign-in.
pub struct Viewer {
    principal: Principal,
    csrf: String,
}

impl FromRequestParts<Gateway> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, gw: &Gateway) -> Result<Self, Response> {
        let jar = PrivateCookieJar::from_headers(&parts.headers, gw.cookie_key.clone());
        let session = open::<Session>(&jar, SESSION_COOKIE);
        if let Some((principal, session)) = session.and_then(|s| s.principal().map(|p| (p, s))) {
            return Ok(Viewer {
                principal,
                csrf: session.csrf,
            });
        }
        if gw.sign_in.is_none() {
            return Err(page_status(
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                "Sign-in is not set up",
                html! {
                    p { "This gateway has no browser sign-in configured. An operator sets "
                        code { "[http.sign_in]" } " (see docs/http-api.md)." }
                },
            ));
        }
        let back = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .filter(|p| parts.method == axum::http::Method::GET && p.starts_with('/'))
            .unwrap_or("/");
        let to = format!("/v1/auth/login?return_to={}", encode(back));
        Err(Redirect::to(&to).into_response())
    }
}

impl Viewer {
    /// The refusal page, unless `sent` is the session's CSRF token.
    fn refused(&self, sent: &str) -> Option<Response> {
        let ok = sent.len() == self.csrf.len()
            && sent
                .bytes()
                .zip(self.csrf.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        (!ok).then(|| {
            self.problem(&Problem::new(
                ErrorCode::Forbidden,
                "this form is stale or came from another site; reload the page and try again",
            ))
        })
    }

    /// Asks the engine for `op` on the viewer's behalf.
    async fn ask(
        &self,
        gw: &Gateway,
        op: Operation,
        payload: &impl Serialize,
    ) -> Result<Value, Problem> {
        gw.send(&self.principal, op, payload, None).await
    }

    /// Asks `op` and decodes its result as its type in `leasehold_api`.
    async fn ask_as<T: serde::de::DeserializeOwned>(
        &self,
        gw: &Gateway,
        op: Operation,
        payload: &impl Serialize,
    ) -> Result<T, Problem> {
        let reply = self.ask(gw, op, payload).await?;
        serde_json::from_value(reply).map_err(|_| {
            Problem::new(
                leasehold_api::ErrorCode::Internal,
                "the engine's answer could not be read",
            )
        })
    }

    /// Asks for a change, with `request_id` as its idempotency key.
    async fn change(
        &self,
        gw: &Gateway,
        op: Operation,
        payload: &impl Serialize,
        request_id: Option<&str>,
    ) -> Result<Value, Problem> {
        gw.send(
            &self.principal,
            op,
            payload,
            request_id.filter(|r| !r.is_empty()),
        )
        .await
    }

    /// Waits (at most 3 s) until the read models show what a change just made — `op`
    /// with `payload` answers — so the next page the person sees includes it.
    async fn settle(&self, gw: &Gateway, op: Operation, payload: &Value) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
        while self.ask(gw, op, payload).await.is_err() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }

    /// An error page for `problem`.
    fn problem(&self, problem: &Problem) -> Response {
        let status =
            StatusCode::from_u16(problem.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        let (title, advice) = match problem.code {
            ErrorCode::Forbidden => (
                "Not allowed",
                "Your account may not do this. Ask an administrator if you need it.",
            ),
            ErrorCode::NotFound => (
                "Not found",
                "It may have been deleted, or the link is wrong.",
            ),
            ErrorCode::Unavailable => {
                ("Try again shortly", "A part of leasehold is not answering.")
            }
            _ => ("That did not work", ""),
        };
        page_status(
            status,
            Some(self),
            title,
            html! {
                p.error role="alert" { (problem.detail) }
                p.muted { "Code: " code { (problem.code.to_string()) } }
                @if !advice.is_empty() { p { (advice) } }
                p { a href="/" { "Back to the overview" } }
            },
        )
    }

    /// The page, or its error page.
    fn render(&self, result: Result<(String, Markup), Problem>) -> Response {
        match result {
            Ok((title, body)) => page(Some(self), &title, body),
            Err(problem) => self.problem(&problem),
        }
    }

    /// The hidden CSRF field of a form.
    fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.csrf); }
    }
}

/// `POST /signout`: ends the session and shows the signed-out page.
async fn signout(
    viewer: Viewer,
    jar: PrivateCookieJar,
    axum::Form(form): axum::Form<CsrfOnly>,
) -> Response {
    if let Some(refused) = viewer.refused(&form.csrf) {
        return refused;
    }
    let jar = super::session::clear(jar, SESSION_COOKIE);
    let body = page(
        None,
        "Signed out",
        html! {
            p { "You are signed out of leasehold." }
            p { a.button href="/v1/auth/login?return_to=/" { "Sign in again" } }
        },
    );
    (jar, body).into_response()
}

/// A form carrying only the CSRF token.
#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// A whole page with the navigation.
fn page(viewer: Option<&Viewer>, title: &str, body: Markup) -> Response {
    page_status(StatusCode::OK, viewer, title, body)
}

fn page_status(status: StatusCode, viewer: Option<&Viewer>, title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · leasehold" }
                link rel="stylesheet" href="/assets/dashboard.css";
                script src="/assets/dashboard.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header {
                    a.brand href="/" { "leasehold" }
                    @if let Some(viewer) = viewer {
                        nav aria-label="Main" {
                            a href="/" { "Overview" }
                            a href="/secrets" { "Secrets" }
                            a href="/leases" { "Leases" }
                            a href="/audit" { "Audit" }
                        }
                        form.signout method="post" action="/signout" {
                            span #whoami { (viewer.principal.actor.as_str()) }
                            (viewer.csrf_field())
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main #main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    (status, Html(markup.into_string())).into_response()
}

/// A time as a `<time>` the script shows in the browser's zone (UTC on hover).
fn when(value: &Value) -> Markup {
    let text = value.as_str().unwrap_or_default();
    html! { time datetime=(text) title=(text) { (text) } }
}

/// Seconds as the shortest human duration (`90` → `1m30s`).
fn duration(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    if out.is_empty() {
        "0s".into()
    } else {
        out
    }
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A string field of a JSON reply.
fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or_default()
}

/// The kind of credential a secret's leases hand out, when the viewer may read the
/// secret.
async fn secret_kind(gw: &Gateway, viewer: &Viewer, secret: &str) -> Option<CredentialKind> {
    let secret = viewer
        .ask(
            gw,
            Operation::SecretGet,
            &serde_json::json!({ "name": secret }),
        )
        .await
        .ok()?;
    CredentialKind::parse(text(&secret, "credential_kind"))
}

/// A credential kind as the read model names it (`password`, …), for people; an
/// unknown or missing kind is a "credential".
fn kind_title(kind: &str) -> &'static str {
    CredentialKind::parse(kind).map_or("Credential", CredentialKind::title)
}

/// Markup for a status badge.
fn status_badge(status: &str) -> Markup {
    html! { span class={ "status status-" (status) } data-status=(status) { (status) } }
}
