//! The HTTP gateway: REST resources over the NATS operations (`docs/http-api.md`).
//!
//! Every request is authenticated by an Entra bearer token ([`auth`]) and sent to the
//! engine over NATS as the gateway's own actor, naming the signed-in actor in
//! `Leasehold-On-Behalf-Of`: the engine applies its policy to that actor and records
//! both. The gateway holds no state of its own, so any number of copies can serve.

mod audit;
mod auth;
mod connections;
mod dashboard;
mod events;
mod export;
mod extract;
mod keys;
mod leases;
mod problem;
mod secrets;
mod session;
mod signin;

use std::future::Future;
use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use leasehold_api::{ErrorCode, Operation};
use serde::Serialize;
use serde_json::Value;

pub use auth::{Principal, Verifier};
pub use axum_extra::extract::cookie::Key as SessionKey;
pub use problem::{Problem, PROBLEM_JSON};
pub use session::{CSRF_HEADER, SESSION_COOKIE};
pub use signin::SignIn;

use crate::client::ApiClient;

/// What every handler shares.
#[derive(Clone)]
pub struct Gateway {
    api: ApiClient,
    verifier: Arc<Verifier>,
    sign_in: Option<Arc<SignIn>>,
    cookie_key: SessionKey,
    /// Turns `true` when the process stops: endless streams end then, so a graceful
    /// shutdown does not wait for them.
    stopping: tokio::sync::watch::Receiver<bool>,
}

impl FromRef<Gateway> for SessionKey {
    fn from_ref(gw: &Gateway) -> Self {
        gw.cookie_key.clone()
    }
}

impl Gateway {
    /// A gateway asking the engine through `api` (connected as the gateway's actor),
    /// checking tokens with `verifier`, signing browsers in with `sign_in` (if any)
    /// and sealing their session cookies with `cookie_key`.
    pub fn new(
        api: ApiClient,
        verifier: Verifier,
        sign_in: Option<SignIn>,
        cookie_key: SessionKey,
    ) -> Self {
        Self {
            api,
            verifier: Arc::new(verifier),
            sign_in: sign_in.map(Arc::new),
            cookie_key,
            stopping: tokio::sync::watch::channel(false).1,
        }
    }

    /// The same gateway ending its event streams when `stopping` turns `true`.
    pub fn stopping_with(mut self, stopping: tokio::sync::watch::Receiver<bool>) -> Self {
        self.stopping = stopping;
        self
    }

    /// Resolves once the process is stopping (never, if nobody will say so).
    fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.stopping.clone();
        async move {
            if rx.wait_for(|stop| *stop).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Sends `op` with `payload` on behalf of `who`, with the request's idempotency key.
    #[tracing::instrument(
        name = "http.request",
        skip_all,
        fields(actor = %who.actor, via = %self.api.actor(), op = %op, request_id = ?request_id)
    )]
    async fn send(
        &self,
        who: &Principal,
        op: Operation,
        payload: &impl Serialize,
        request_id: Option<&str>,
    ) -> Result<Value, Problem> {
        let payload = serde_json::to_value(payload)
            .map_err(|e| Problem::invalid(format!("request body: {e}")))?;
        let api = self
            .api
            .on_behalf_of(who.actor.as_str())
            .vouching_roles(&who.roles);
        let reply = match request_id {
            Some(id) => api.command_with_id(op, &payload, id).await,
            None => api.send(op, &payload).await,
        };
        Ok(reply?)
    }

    /// A change: `op` with `input` and the request's `Idempotency-Key` as its request id,
    /// answered with `status`.
    async fn change(
        &self,
        who: &Principal,
        op: Operation,
        input: &impl Serialize,
        headers: &HeaderMap,
        status: StatusCode,
    ) -> Result<Response, Problem> {
        let reply = self.send(who, op, input, idempotency_key(headers)?).await?;
        Ok(answer(status, reply))
    }

    /// A read: `op` with `input`, answered `200`.
    async fn read(
        &self,
        who: &Principal,
        op: Operation,
        input: &impl Serialize,
    ) -> Result<Response, Problem> {
        let reply = self.send(who, op, input, None).await?;
        Ok(answer(StatusCode::OK, reply))
    }
}

/// The routes of the API, all under `/v1`: those of [`leasehold_api::http::ROUTES`], and
/// the OpenAPI document (no token needed).
pub fn router(gateway: Gateway) -> Router {
    Router::new()
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/leases", post(leases::create).get(leases::list))
        .route("/v1/leases/revoke", post(leases::revoke_many))
        .route("/v1/leases/{id}", get(leases::get).delete(leases::revoke))
        .route("/v1/leases/{id}/renew", post(leases::renew))
        .route("/v1/leases/{id}/history", get(audit::lease_history))
        .route("/v1/secrets", post(secrets::create).get(secrets::list))
        .route(
            "/v1/secrets/{name}",
            get(secrets::get)
                .patch(secrets::update)
                .delete(secrets::delete),
        )
        .route("/v1/secrets/{name}/history", get(audit::secret_history))
        .route(
            "/v1/connections",
            post(connections::create).get(connections::list),
        )
        .route(
            "/v1/connections/{name}",
            get(connections::get).delete(connections::delete),
        )
        .route("/v1/connections/{name}/rotate", post(connections::rotate))
        .route("/v1/connections/{name}/users", get(connections::users))
        .route("/v1/audit/at", get(audit::at))
        .route("/v1/audit/verify", get(audit::verify))
        .route("/v1/audit/anchor", get(audit::anchor))
        .route("/v1/audit/export", get(export::export))
        .route("/v1/events", get(events::stream))
        .route("/v1/auth/login", get(signin::login))
        .route("/v1/auth/callback", get(signin::callback))
        .route("/v1/auth/session", get(signin::session))
        .route("/v1/auth/logout", post(signin::logout))
        .merge(dashboard::routes())
        .fallback(|| async { Problem::new(ErrorCode::NotFound, "no such resource") })
        .method_not_allowed_fallback(|| async {
            Problem::invalid("this method is not allowed on this resource")
                .with_status(StatusCode::METHOD_NOT_ALLOWED)
        })
        .with_state(gateway)
}

/// `GET /v1/openapi.json`: the OpenAPI 3.1 document, generated from the contract.
async fn openapi() -> Response {
    let mut response = Json(leasehold_api::openapi::document()).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Serves `router(gateway)` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    gateway: Gateway,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, router(gateway))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// The `Idempotency-Key` header (the NATS API's request id), if any.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, Problem> {
    headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .map_err(|_| Problem::invalid("Idempotency-Key must be printable ASCII"))
        })
        .transpose()
}

/// A JSON answer that must not be cached (it may carry a credential, and every answer
/// depends on who asks).
fn answer(status: StatusCode, body: Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The query string, parsed into the operation's request type.
fn query<T: serde::de::DeserializeOwned>(uri: &Uri) -> Result<T, Problem> {
    axum::extract::Query::<T>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| Problem::invalid(format!("query string: {}", e.body_text())))
}

/// A JSON body, parsed into the operation's request type by the same rules as a NATS
/// payload (an object, at most 1 MiB, no unknown fields), so a bad body is refused at
/// the edge with the same `invalid_request`.
fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    leasehold_command::service::decode(bytes).map_err(Problem::from)
}
