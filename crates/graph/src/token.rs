//! The client-credentials grant against `POST {login}/{tenant}/oauth2/v2.0/token`.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use std::time::Duration;

use crate::classify::token_error;
use crate::credentials::Credentials;
use crate::error::{ErrorKind, GraphError};
use crate::retry::{retry, RetryPolicy};
use crate::transport::exchange;

/// A bearer token for Graph, and how long the service said it lives.
#[derive(Clone)]
pub(crate) struct AccessToken {
    pub secret: SecretString,
    pub lifetime: Duration,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    #[serde(deserialize_with = "number_or_string")]
    expires_in: u64,
}

/// v2.0 sends `expires_in` as a number, v1.0 and some proxies as a string.
fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(u64),
        Text(String),
    }
    match Either::deserialize(d)? {
        Either::Number(n) => Ok(n),
        Either::Text(s) => s.parse().map_err(serde::de::Error::custom),
    }
}

/// One token request, no retries.
async fn request_once(
    http: &reqwest::Client,
    creds: &Credentials,
) -> Result<AccessToken, GraphError> {
    let scope = creds.cloud.scope();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", creds.client_id.as_str()),
        ("client_secret", creds.client_secret.expose_secret()),
        ("scope", scope.as_str()),
    ];
    let request = http
        .post(creds.cloud.token_url(&creds.tenant_id))
        .header("client-request-id", uuid::Uuid::new_v4().to_string())
        .form(&form);
    let reply = exchange("token", request).await?;
    if !reply.is_success() {
        let err = token_error(&reply.failed());
        tracing::warn!(
            tenant = %creds.tenant_id,
            client_id = %creds.client_id,
            status = reply.status,
            code = err.code().unwrap_or_default(),
            request_id = err.request_id().unwrap_or_default(),
            "token request failed"
        );
        return Err(err);
    }
    let parsed: TokenResponse = serde_json::from_slice(&reply.body).map_err(|e| {
        GraphError::new(
            ErrorKind::UnexpectedResponse,
            format!("token response not understood: {e}"),
        )
        .with_status(reply.status)
        .with_request_id(reply.request_id.clone())
    })?;
    Ok(AccessToken {
        secret: parsed.access_token,
        lifetime: Duration::from_secs(parsed.expires_in),
    })
}

/// Fetches a fresh token, retrying transient failures under `policy`.
pub(crate) async fn fetch_token(
    http: &reqwest::Client,
    creds: &Credentials,
    policy: RetryPolicy,
) -> Result<AccessToken, GraphError> {
    retry(policy, "token", None, |_| request_once(http, creds)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_as_number_or_string() {
        let a: TokenResponse =
            serde_json::from_str(r#"{"token_type":"Bearer","expires_in":3599,"access_token":"x"}"#)
                .expect("number");
        assert_eq!(a.expires_in, 3599);
        let b: TokenResponse =
            serde_json::from_str(r#"{"expires_in":"3599","access_token":"x"}"#).expect("string");
        assert_eq!(b.expires_in, 3599);
        assert_eq!(b.access_token.expose_secret(), "x");
    }
}
