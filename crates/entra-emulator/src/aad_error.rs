//! Token-endpoint errors in Entra's exact shape: `error`, an `AADSTSnnnn: …` description
//! ending in trace/correlation/timestamp lines, `error_codes`, ids and `error_uri`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

/// One token-endpoint failure, before it is rendered.
#[derive(Debug, Clone)]
pub(crate) struct AadError {
    pub status: StatusCode,
    pub error: &'static str,
    pub code: u32,
    pub message: String,
}

impl AadError {
    fn new(status: StatusCode, error: &'static str, code: u32, message: String) -> AadError {
        AadError {
            status,
            error,
            code,
            message,
        }
    }

    pub fn missing_parameter(name: &str) -> AadError {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }

    pub fn unsupported_grant(grant: &str) -> AadError {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant}'."),
        )
    }

    pub fn unknown_tenant(tenant: &str) -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_tenant", 90002, format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."))
    }

    pub fn no_tenant_information() -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", 50059, "No tenant-identifying information found in either the request or implied by any provided credentials.".to_string())
    }

    pub fn common_endpoint_not_supported() -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", 9001023, "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.".to_string())
    }

    pub fn unknown_app(client_id: &str, tenant: &str) -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "unauthorized_client", 700016, format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."))
    }

    pub fn wrong_secret(client_id: &str) -> AadError {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."))
    }

    pub fn expired_secret(client_id: &str) -> AadError {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000222, format!("The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."))
    }

    pub fn missing_secret() -> AadError {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".to_string())
    }

    pub fn invalid_scope(scope: &str) -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope", 70011, format!("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope '{scope}' is not valid."))
    }

    pub fn unknown_resource(resource: &str, tenant: &str) -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_resource", 500011, format!("The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."))
    }

    pub fn wrong_password() -> AadError {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.".to_string(),
        )
    }

    pub fn unknown_user(tenant: &str) -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", 50034, format!("The user account {{EUII Hidden}} does not exist in the {tenant} directory. To sign into this application, the account must be added to the directory."))
    }

    pub fn locked_out() -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", 50053, "The account is locked, you've tried to sign in too many times with an incorrect user ID or password.".to_string())
    }

    pub fn disabled() -> AadError {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50057,
            "The user account is disabled.".to_string(),
        )
    }

    pub fn password_expired() -> AadError {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50055,
            "The password is expired.".to_string(),
        )
    }

    pub fn revoked_grant(issued: DateTime<Utc>, valid_from: DateTime<Utc>) -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", 50173, format!("The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{}'.", issued.format("%Y-%m-%dT%H:%M:%S%.6f0Z"), valid_from.format("%Y-%m-%dT%H:%M:%S%.6f0Z")))
    }

    pub fn redirect_mismatch(uri: &str, client_id: &str) -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", 50011, format!("The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal."))
    }

    pub fn expired_code() -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.".to_string())
    }

    pub fn pkce_mismatch() -> AadError {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.".to_string(),
        )
    }

    pub fn pkce_required() -> AadError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", 9002325, "Proof Key for Code Exchange is required for cross-origin authorization code redemption.".to_string())
    }

    pub fn unsupported_response_type(kind: &str) -> AadError {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            70005,
            format!("The application requested an unsupported response type '{kind}'."),
        )
    }

    pub fn malformed_grant() -> AadError {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.".to_string(),
        )
    }

    /// Renders the body with fresh trace id, the given correlation id and timestamp.
    pub fn render(
        &self,
        base_url: &str,
        correlation_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Response {
        let trace_id = Uuid::new_v4().to_string();
        let correlation_id = correlation_id
            .map(str::to_string)
            .unwrap_or_else(|| Uuid::new_v4().to_string());
        let timestamp = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
        let description = format!(
            "AADSTS{}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
            self.code, self.message
        );
        let body = json!({
            "error": self.error,
            "error_description": description,
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("{base_url}/error?code={}", self.code),
        });
        let mut response = (self.status, Json(body)).into_response();
        no_store(&mut response);
        response
    }
}

/// Marks a token response uncacheable, like Entra does.
pub(crate) fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
