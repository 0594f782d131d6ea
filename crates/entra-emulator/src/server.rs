//! Routing: token endpoint, OIDC, Graph (behind its layer), admin API, and the request log
//! around all of them.

use crate::graph_error::GraphError;
use crate::handle::EmulatorHandle;
use crate::request_log::{CallerInfo, LoggedRequest, RequestKind};
use crate::shared::{lock, Shared};
use axum::extract::{Request, State};
use axum::http::header;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;

/// Builds the whole application.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let graph = Router::new()
        .route("/v1.0/users", get(crate::users::list_users))
        .route("/v1.0/users/$count", get(crate::users_count::count_users))
        .route(
            "/v1.0/users/{key}",
            get(crate::users::get_user).patch(crate::users_write::patch_user),
        )
        .route(
            "/v1.0/users/{key}/memberOf/microsoft.graph.directoryRole",
            get(crate::user_roles::user_directory_roles),
        )
        .route(
            "/v1.0/users/{key}/authentication/temporaryAccessPassMethods",
            get(crate::tap_methods::list).post(crate::tap_methods::create),
        )
        .route(
            "/v1.0/users/{key}/authentication/temporaryAccessPassMethods/{id}",
            get(crate::tap_methods::get).delete(crate::tap_methods::delete),
        )
        .route(
            "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}",
            get(crate::tap_methods::policy),
        )
        .route(
            "/v1.0/users/{key}/revokeSignInSessions",
            post(crate::users_write::revoke_sessions),
        )
        .method_not_allowed_fallback(method_not_allowed)
        // The merged application's only fallback: unknown Graph paths get Graph's answer.
        .fallback(unknown_path)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            crate::graph_layer::graph_layer,
        ))
        .with_state(shared.clone());
    let identity = Router::new()
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(crate::token::token_endpoint),
        )
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(crate::authorize::page).post(crate::authorize::sign_in),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(crate::oidc::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(crate::oidc::keys))
        .route("/common/userrealm/{username}", get(crate::oidc::user_realm))
        .route(
            "/common/discovery/instance",
            get(crate::oidc::instance_discovery),
        )
        .with_state(shared.clone());
    Router::new()
        .merge(graph)
        .merge(identity)
        .merge(crate::admin::routes(EmulatorHandle {
            shared: shared.clone(),
        }))
        .layer(middleware::from_fn_with_state(shared, log_layer))
}

/// A path no route serves: under `/v1.0/`, Graph's `BadRequest` naming the segment it
/// could not resolve; elsewhere a plain 404.
async fn unknown_path(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    match path.strip_prefix("/v1.0/") {
        Some(rest) => {
            let segment = rest
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(rest);
            GraphError::bad_request(format!("Resource not found for the segment '{segment}'."))
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A Graph path asked with a method it does not serve.
async fn method_not_allowed() -> Response {
    GraphError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
    .into_response()
}

/// Records every answered request.
async fn log_layer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let at = shared.clock.now();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let response = next.run(request).await;
    let caller = response
        .extensions()
        .get::<CallerInfo>()
        .cloned()
        .unwrap_or_default();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let entry = LoggedRequest {
        at,
        kind: RequestKind::of_path(&path),
        method,
        path,
        query,
        client_id: caller.client_id,
        tenant: caller.tenant,
        status: response.status().as_u16(),
        retry_after,
    };
    lock(&shared.log).push(entry);
    response
}
