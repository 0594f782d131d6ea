//! Browser sign-in with Entra ID: the OpenID Connect authorization code flow with PKCE
//! (`oauth2` crate), `state` and `nonce` kept in an encrypted cookie for the round trip.
//! The tokens the code buys are checked like any bearer token — the access token by
//! [`Verifier::verify_token`], the ID token's signature, audience and `nonce` by
//! [`Verifier::verify_id_token`] — and become a session cookie ([`super::session`]).
//!
//! - `GET /v1/auth/login?return_to=/path` — off to the identity provider.
//! - `GET /v1/auth/callback` — back from it; sets the session, goes to `return_to`.
//! - `GET /v1/auth/session` — who is signed in, and the CSRF token.
//! - `POST /v1/auth/logout` — ends the session (needs the CSRF token).

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use axum_extra::extract::cookie::PrivateCookieJar;
use chrono::Utc;
use leasehold_api::ErrorCode;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::session::{
    clear, open, principal_from_cookie, random_token, seal, Session, LOGIN_COOKIE, SESSION_COOKIE,
};
use super::{Gateway, Problem};
use crate::config::SignInSettings;

/// The ID token, beside the standard fields of a token response.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct IdTokenField {
    #[serde(default)]
    id_token: Option<String>,
}

impl oauth2::ExtraTokenFields for IdTokenField {}

type Tokens = StandardTokenResponse<IdTokenField, BasicTokenType>;
type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    Tokens,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A sign-in on its way through the identity provider.
#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    nonce: String,
    verifier: String,
    return_to: String,
    expires_at: i64,
}

/// How long a person may take on the identity provider's pages.
const PENDING_SECS: i64 = 600;

/// The browser sign-in of one gateway.
pub struct SignIn {
    client: OAuthClient,
    client_id: String,
    scopes: Vec<String>,
    session_secs: i64,
    http: reqwest::Client,
}

impl SignIn {
    /// Sign-in against `<authority>/<tenant>/oauth2/v2.0/{authorize,token}`.
    pub fn new(authority: &str, tenant: &str, settings: &SignInSettings) -> anyhow::Result<Self> {
        let base = format!("{}/{tenant}/oauth2/v2.0", authority.trim_end_matches('/'));
        let mut client = oauth2::Client::new(ClientId::new(settings.client_id.clone()))
            .set_auth_uri(AuthUrl::new(format!("{base}/authorize"))?)
            .set_token_uri(TokenUrl::new(format!("{base}/token"))?)
            .set_redirect_uri(
                RedirectUrl::new(settings.redirect_uri.clone())
                    .context("http.sign_in.redirect_uri")?,
            )
            .set_auth_type(AuthType::RequestBody);
        if let Some(secret) = &settings.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose().to_string()));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("build the HTTP client for sign-in")?;
        Ok(Self {
            client,
            client_id: settings.client_id.clone(),
            scopes: settings.scopes.clone(),
            session_secs: settings.session_secs as i64,
            http,
        })
    }

    /// Redeems `code` (with the PKCE `verifier`) for tokens.
    async fn redeem(&self, code: String, verifier: String) -> anyhow::Result<Tokens> {
        let http = self.http.clone();
        let send = move |request: oauth2::HttpRequest| {
            let http = http.clone();
            async move {
                let (parts, body) = request.into_parts();
                let response = http
                    .request(parts.method, parts.uri.to_string())
                    .headers(parts.headers)
                    .body(body)
                    .send()
                    .await?;
                let mut answer = oauth2::http::Response::builder().status(response.status());
                for (name, value) in response.headers() {
                    answer = answer.header(name, value);
                }
                let bytes = response.bytes().await?;
                Ok::<_, reqwest::Error>(answer.body(bytes.to_vec()).unwrap_or_default())
            }
        };
        self.client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&send)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    }
}

impl Gateway {
    fn sign_in(&self) -> Result<&SignIn, Problem> {
        self.sign_in.as_deref().ok_or_else(|| {
            Problem::new(
                ErrorCode::NotFound,
                "browser sign-in is not configured on this gateway ([http.sign_in])",
            )
        })
    }
}

#[derive(Deserialize)]
pub struct LoginParams {
    #[serde(default)]
    return_to: Option<String>,
}

/// `GET /v1/auth/login`: redirects to the identity provider's sign-in page.
pub async fn login(
    State(gw): State<Gateway>,
    jar: PrivateCookieJar,
    Query(params): Query<LoginParams>,
) -> Result<Response, Problem> {
    let sign_in = gw.sign_in()?;
    let return_to = local_path(params.return_to.as_deref())?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = random_token();
    let mut request = sign_in
        .client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_extra_param("nonce", nonce.clone())
        .add_extra_param("response_mode", "query");
    for scope in &sign_in.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, state) = request.url();
    let pending = Pending {
        state: state.secret().clone(),
        nonce,
        verifier: verifier.secret().clone(),
        return_to,
        expires_at: Utc::now().timestamp() + PENDING_SECS,
    };
    let jar = seal(jar, LOGIN_COOKIE, &pending, PENDING_SECS);
    Ok(no_store((jar, Redirect::to(url.as_str())).into_response()))
}

/// `GET /v1/auth/callback`: checks `state`, redeems the code, checks both tokens and
/// starts the session.
pub async fn callback(
    State(gw): State<Gateway>,
    jar: PrivateCookieJar,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    let sign_in = gw.sign_in()?;
    let pending: Pending = open(&jar, LOGIN_COOKIE)
        .filter(|p: &Pending| p.expires_at > Utc::now().timestamp())
        .ok_or_else(|| Problem::unauthenticated("no sign-in in progress; start again"))?;
    let jar = clear(jar, LOGIN_COOKIE);
    if params.get("state").map(String::as_bytes) != Some(pending.state.as_bytes()) {
        return Err(Problem::unauthenticated("sign-in state mismatch"));
    }
    if let Some(error) = params.get("error") {
        tracing::info!(error = %error, "the identity provider ended a sign-in with an error");
        return Err(Problem::unauthenticated(
            "the identity provider refused the sign-in",
        ));
    }
    let code = params
        .get("code")
        .cloned()
        .ok_or_else(|| Problem::unauthenticated("no authorization code"))?;
    let tokens = sign_in.redeem(code, pending.verifier).await.map_err(|e| {
        tracing::warn!(error = %format!("{e:#}"), "redeeming an authorization code failed");
        Problem::unauthenticated("the authorization code could not be redeemed")
    })?;
    let id_token =
        tokens.extra_fields().id_token.as_deref().ok_or_else(|| {
            Problem::unauthenticated("no ID token; the scopes must include openid")
        })?;
    gw.verifier
        .verify_id_token(id_token, &sign_in.client_id, &pending.nonce)
        .await?;
    let (principal, token_expiry) = gw
        .verifier
        .verify_token(tokens.access_token().secret())
        .await?;
    let now = Utc::now().timestamp();
    let expires_at = token_expiry.min(now + sign_in.session_secs);
    let session = Session {
        actor: principal.actor.as_str().to_string(),
        roles: principal.roles,
        csrf: random_token(),
        expires_at,
    };
    tracing::info!(actor = %session.actor, "signed in");
    let jar = seal(jar, SESSION_COOKIE, &session, expires_at - now);
    Ok(no_store(
        (jar, Redirect::to(&pending.return_to)).into_response(),
    ))
}

/// `GET /v1/auth/session`: the signed-in actor, roles, CSRF token and expiry.
pub async fn session(
    State(gw): State<Gateway>,
    jar: PrivateCookieJar,
) -> Result<Response, Problem> {
    let session = open::<Session>(&jar, SESSION_COOKIE)
        .filter(|s| s.principal().is_some())
        .ok_or_else(|| Problem::unauthenticated("not signed in"))?;
    let _ = gw;
    let body = json!({
        "actor": session.actor,
        "roles": session.roles,
        "csrf_token": session.csrf,
        "expires_at": chrono::DateTime::from_timestamp(session.expires_at, 0),
    });
    Ok(no_store((StatusCode::OK, Json(body)).into_response()))
}

/// `POST /v1/auth/logout`: forgets the session (the CSRF token is required, so another
/// site cannot sign a person out).
pub async fn logout(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    jar: PrivateCookieJar,
) -> Result<Response, Problem> {
    if principal_from_cookie(&headers, &Method::POST, &gw.cookie_key)?.is_none() {
        return Err(Problem::unauthenticated("not signed in"));
    }
    let jar = clear(jar, SESSION_COOKIE);
    Ok(no_store((jar, StatusCode::NO_CONTENT).into_response()))
}

/// `return_to` if it is a path on this site (never another origin), else `/`.
fn local_path(return_to: Option<&str>) -> Result<String, Problem> {
    match return_to {
        None | Some("") => Ok("/".into()),
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(char::is_control) =>
        {
            Ok(p.to_string())
        }
        Some(_) => Err(Problem::invalid(
            "return_to must be a path on this site, starting with a single /",
        )),
    }
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn return_to_stays_on_this_site() {
        assert_eq!(local_path(None).unwrap(), "/");
        assert_eq!(local_path(Some("/leases?x=1")).unwrap(), "/leases?x=1");
        for bad in ["//evil.example", "https://evil.example/", "/\\evil", "evil"] {
            assert!(local_path(Some(bad)).is_err(), "{bad}");
        }
    }
}
