//! `GET|POST /{tenant}/oauth2/v2.0/authorize`: the authorization endpoint with a plain
//! sign-in page (username and password). A request naming an unknown application or an
//! unregistered redirect URI gets an error page, as Entra shows one; other errors go
//! back to the redirect URI as `error` and `error_description`. A successful sign-in
//! redirects with a single-use `code` bound to the PKCE challenge.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use url::Url;
use uuid::Uuid;

use crate::aad_error::AadError;
use crate::codes::Grant;
use crate::form::parse_form;
use crate::shared::{lock, Shared};
use crate::token_client::is_alias;
use crate::token_user::check_sign_in;

/// Parameters carried from the request to the form and back.
const CARRIED: &[&str] = &[
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
];

/// An authorization request that names a known application and one of its redirect URIs.
struct Checked {
    params: HashMap<String, String>,
    redirect: Url,
}

enum Refusal {
    /// Shown as a page: the redirect URI cannot be trusted.
    Page(AadError),
    /// Sent back to the application.
    Redirect(Box<Url>, AadError),
}

fn check(
    shared: &Shared,
    tenant: &str,
    params: HashMap<String, String>,
) -> Result<Checked, Refusal> {
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let client_id =
        get("client_id").ok_or_else(|| Refusal::Page(AadError::missing_parameter("client_id")))?;
    let redirect_uri = get("redirect_uri")
        .ok_or_else(|| Refusal::Page(AadError::missing_parameter("redirect_uri")))?;
    {
        let dir = lock(&shared.directory);
        let app = if is_alias(tenant) {
            dir.tenants().find_map(|t| t.app(client_id))
        } else {
            let t = dir
                .tenant(tenant)
                .ok_or_else(|| Refusal::Page(AadError::unknown_tenant(tenant)))?;
            t.app(client_id)
        };
        let app = app.ok_or_else(|| Refusal::Page(AadError::unknown_app(client_id, tenant)))?;
        if !app.seed.redirect_uris.iter().any(|u| u == redirect_uri) {
            return Err(Refusal::Page(AadError::redirect_mismatch(
                redirect_uri,
                client_id,
            )));
        }
    }
    let redirect = Url::parse(redirect_uri)
        .map_err(|_| Refusal::Page(AadError::redirect_mismatch(redirect_uri, client_id)))?;
    let back = |e: AadError| Refusal::Redirect(Box::new(redirect.clone()), e);
    match get("response_type") {
        Some("code") => {}
        Some(other) => return Err(back(AadError::unsupported_response_type(other))),
        None => return Err(back(AadError::missing_parameter("response_type"))),
    }
    if get("scope").is_none() {
        return Err(back(AadError::missing_parameter("scope")));
    }
    match (get("code_challenge"), get("code_challenge_method")) {
        (None, Some(_)) => return Err(back(AadError::missing_parameter("code_challenge"))),
        (Some(_), Some(m)) if m != "S256" && m != "plain" => {
            return Err(back(AadError::pkce_required()))
        }
        _ => {}
    }
    Ok(Checked { params, redirect })
}

/// `GET`: the sign-in page.
pub(crate) async fn page(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let state = params.get("state").cloned();
    match check(&shared, &tenant, params) {
        Ok(checked) => form(&checked.params, None),
        Err(refusal) => refuse(refusal, state.as_deref()),
    }
}

/// `POST`: the filled-in sign-in form.
pub(crate) async fn sign_in(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    let mut fields = parse_form(&body);
    let username = fields.remove("username").unwrap_or_default();
    let password = fields.remove("password").unwrap_or_default();
    fields.retain(|k, _| CARRIED.contains(&k.as_str()));
    let state = fields.get("state").cloned();
    let checked = match check(&shared, &tenant, fields) {
        Ok(checked) => checked,
        Err(refusal) => return refuse(refusal, state.as_deref()),
    };
    match authenticate(&shared, &tenant, &checked, &username, &password) {
        Ok(grant) => {
            let code = lock(&shared.codes).issue(grant);
            let mut to = checked.redirect.clone();
            to.query_pairs_mut().append_pair("code", &code);
            if let Some(state) = state {
                to.query_pairs_mut().append_pair("state", &state);
            }
            to.query_pairs_mut()
                .append_pair("session_state", &Uuid::new_v4().to_string());
            redirect(&to)
        }
        Err(e) => form(&checked.params, Some(&e)),
    }
}

fn authenticate(
    shared: &Shared,
    tenant: &str,
    checked: &Checked,
    username: &str,
    password: &str,
) -> Result<Grant, AadError> {
    let now = shared.clock.now();
    let lag = shared.replication_lag();
    let mut dir = lock(&shared.directory);
    let tenant_id = if is_alias(tenant) {
        dir.tenant_for_upn(username).map(|t| t.id)
    } else {
        dir.tenant(tenant).map(|t| t.id)
    }
    .ok_or_else(|| AadError::unknown_user(tenant))?;
    let t = dir
        .require_tenant(&tenant_id.to_string())
        .map_err(|_| AadError::unknown_tenant(tenant))?;
    let client_id = checked.params.get("client_id").cloned().unwrap_or_default();
    if t.app(&client_id).is_none() {
        return Err(AadError::unknown_app(&client_id, tenant));
    }
    let user = t
        .user_mut(username)
        .ok_or_else(|| AadError::unknown_user(tenant))?;
    match tap_sign_in(user, password, now) {
        Some(result) => result?,
        None => check_sign_in(user, password, now, lag)?,
    }
    let get = |name: &str| checked.params.get(name).filter(|v| !v.is_empty()).cloned();
    Ok(Grant {
        tenant_id,
        client_id,
        redirect_uri: get("redirect_uri").unwrap_or_default(),
        scope: get("scope").unwrap_or_default(),
        nonce: get("nonce"),
        challenge: get("code_challenge").map(|c| {
            (
                c,
                get("code_challenge_method").unwrap_or_else(|| "plain".into()),
            )
        }),
        user_id: user.id,
        issued_at: now,
    })
}

/// The sign-in page takes the user's Temporary Access Pass where it takes a password, as
/// Entra's page offers the pass in place of the password. `None` when `secret` is not the
/// user's pass; an expired pass, or a one-time pass already used, is refused as a wrong
/// credential. (The token endpoint's password grant never takes a pass.)
fn tap_sign_in(
    user: &mut crate::user::User,
    secret: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Result<(), AadError>> {
    let locked = user.locked_out();
    let enabled = user.account_enabled;
    let tap = user.tap.as_mut().filter(|t| t.matches(secret))?;
    if locked {
        return Some(Err(AadError::locked_out()));
    }
    if !enabled {
        return Some(Err(AadError::disabled()));
    }
    Some(match tap.usability(now) {
        crate::tap_policy::Usability::EnabledByPolicy => {
            tap.used = true;
            Ok(())
        }
        _ => Err(AadError::wrong_password()),
    })
}

fn refuse(refusal: Refusal, state: Option<&str>) -> Response {
    match refusal {
        Refusal::Page(e) => {
            let body = format!(
                "<!doctype html><html><head><title>Sign in to your account</title></head><body>\
                 <h1>Sorry, but we're having trouble signing you in.</h1>\
                 <p id=\"error\">AADSTS{}: {}</p></body></html>",
                e.code,
                escape(&e.message)
            );
            (StatusCode::BAD_REQUEST, Html(body)).into_response()
        }
        Refusal::Redirect(mut to, e) => {
            to.query_pairs_mut()
                .append_pair("error", e.error)
                .append_pair(
                    "error_description",
                    &format!("AADSTS{}: {}", e.code, e.message),
                );
            if let Some(state) = state {
                to.query_pairs_mut().append_pair("state", state);
            }
            redirect(&to)
        }
    }
}

fn redirect(to: &Url) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, to.as_str().to_string())],
    )
        .into_response()
}

/// The sign-in page, with the request's parameters as hidden fields and the error of
/// the previous attempt, if any, in Entra's words.
fn form(params: &HashMap<String, String>, error: Option<&AadError>) -> Response {
    let hidden: String = CARRIED
        .iter()
        .filter_map(|name| params.get(*name).map(|v| (name, v)))
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                escape(value)
            )
        })
        .collect();
    let message = error
        .map(|e| {
            format!(
                "<p id=\"error\" role=\"alert\">{}</p>",
                escape(&page_message(e))
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<!doctype html><html><head><title>Sign in to your account</title></head><body>\
         <h1>Sign in</h1>{message}<form method=\"post\">{hidden}\
         <label>Email, phone, or Skype <input type=\"email\" name=\"username\"></label>\
         <label>Password <input type=\"password\" name=\"password\"></label>\
         <button type=\"submit\">Sign in</button></form></body></html>"
    );
    let mut response = Html(body).into_response();
    crate::aad_error::no_store(&mut response);
    response
}

/// What Entra's sign-in page says for a failed attempt.
fn page_message(e: &AadError) -> String {
    let text = match e.code {
        50126 => "Your account or password is incorrect. If you don't remember your password, reset it now.",
        50034 => "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.",
        50053 => "Your account is temporarily locked to prevent unauthorized use. Try again later, and if you still have trouble, contact your admin.",
        50057 => "Your account has been locked. Contact your support person to unlock it, then try again.",
        50055 => "Your password has expired.",
        _ => e.message.as_str(),
    };
    format!("AADSTS{}: {text}", e.code)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
