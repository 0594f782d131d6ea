//! The Graph client: one HTTP connection pool, a token cache, and authenticated,
//! retried Graph calls. Per-resource calls live in `users.rs`.

use reqwest::{RequestBuilder, Url};
use secrecy::ExposeSecret;
use std::sync::Arc;

use crate::classify::{graph_error, Operation};
use crate::config::GraphConfig;
use crate::credentials::Credentials;
use crate::error::{ErrorKind, GraphError};
use crate::retry::{retry, RetryPolicy};
use crate::throttle_gate::{Access, GateKey, Gates};
use crate::token::fetch_token;
use crate::token_cache::{CachedToken, ForceRefresh, TokenCache};
use crate::transport::{exchange, Exchange};

/// Client for the Microsoft identity platform and Graph; cheap to clone (shares one
/// connection pool and one token cache), usable for any number of tenants and apps.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: GraphConfig,
    tokens: TokenCache,
    gates: Gates,
}

/// The longest an interactive check (a connection being registered) keeps retrying.
pub const INTERACTIVE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

impl GraphClient {
    /// Builds the client over rustls. The process must have installed a rustls crypto
    /// provider first (the binary installs ring at start-up); without one this returns a
    /// `Configuration` error instead of letting reqwest panic.
    pub fn new(config: GraphConfig) -> Result<Self, GraphError> {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            return Err(GraphError::new(
                ErrorKind::Configuration,
                "no rustls crypto provider installed; call \
                 rustls::crypto::ring::default_provider().install_default() at start-up",
            ));
        }
        let http = reqwest::Client::builder()
            .tls_backend_rustls()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout)
            .user_agent(config.user_agent.clone())
            // Never follow a redirect with a bearer token or a client secret attached.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                GraphError::new(
                    ErrorKind::Configuration,
                    format!("cannot build HTTP client: {e}"),
                )
            })?;
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                config,
                tokens: TokenCache::default(),
                gates: Gates::default(),
            }),
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &GraphConfig {
        &self.inner.config
    }

    pub(crate) fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            deadline: self.inner.config.retry_deadline,
            max_attempts: self.inner.config.max_attempts.max(1),
        }
    }

    /// Proves the credentials by fetching a fresh token (never a cached one); the token
    /// then replaces the cached one.
    pub async fn verify(&self, creds: &Credentials) -> Result<(), GraphError> {
        self.token(creds, Some(ForceRefresh::Always)).await?;
        Ok(())
    }

    /// A fresh token for `creds` (never a cached one), which then replaces the cached one.
    /// Someone is waiting for the answer (a connection being registered): retries stop
    /// after [`INTERACTIVE_DEADLINE`] at most, so a host that cannot be reached is
    /// reported while they still wait, not after.
    pub(crate) async fn fresh_token(
        &self,
        creds: &Credentials,
    ) -> Result<secrecy::SecretString, GraphError> {
        let mut policy = self.policy();
        policy.deadline = policy.deadline.min(INTERACTIVE_DEADLINE);
        Ok(self
            .token_with(creds, Some(ForceRefresh::Always), policy)
            .await?
            .token
            .secret)
    }

    async fn token(
        &self,
        creds: &Credentials,
        force: Option<ForceRefresh>,
    ) -> Result<CachedToken, GraphError> {
        self.token_with(creds, force, self.policy()).await
    }

    async fn token_with(
        &self,
        creds: &Credentials,
        force: Option<ForceRefresh>,
        policy: RetryPolicy,
    ) -> Result<CachedToken, GraphError> {
        let margin = self.inner.config.token_refresh_margin;
        self.inner
            .tokens
            .get(&creds.cache_key(), margin, force, || {
                fetch_token(&self.inner.http, creds, policy)
            })
            .await
    }

    /// `{graph_base}/v1.0/{segments…}`, each segment percent-encoded.
    pub(crate) fn graph_url(
        &self,
        creds: &Credentials,
        segments: &[&str],
    ) -> Result<Url, GraphError> {
        let base = creds.cloud.graph_base();
        let mut url = Url::parse(base).map_err(|e| {
            GraphError::new(
                ErrorKind::Configuration,
                format!("graph base {base:?} is not a URL: {e}"),
            )
        })?;
        url.path_segments_mut()
            .map_err(|()| {
                GraphError::new(
                    ErrorKind::Configuration,
                    format!("graph base {base:?} cannot have a path"),
                )
            })?
            .pop_if_empty()
            .push("v1.0")
            .extend(segments);
        Ok(url)
    }

    /// Runs one Graph request with a bearer token, retrying under the policy; returns the
    /// 2xx response or the classified error. `build` makes the request afresh per attempt.
    pub(crate) async fn graph<B>(
        &self,
        creds: &Credentials,
        op: Operation,
        name: &'static str,
        build: B,
    ) -> Result<Exchange, GraphError>
    where
        B: Fn(&reqwest::Client) -> RequestBuilder,
    {
        let gate = self.inner.gates.get(GateKey {
            graph_base: creds.cloud.graph_base().to_string(),
            tenant_id: creds.tenant_id.clone(),
            client_id: creds.client_id.clone(),
            access: match op {
                Operation::Read => Access::Read,
                Operation::Write | Operation::SetPassword => Access::Write,
            },
        });
        retry(self.policy(), name, Some(&gate), |attempt| {
            self.graph_attempt(creds, op, name, attempt, &build)
        })
        .await
    }

    async fn graph_attempt<B>(
        &self,
        creds: &Credentials,
        op: Operation,
        name: &'static str,
        attempt: u32,
        build: &B,
    ) -> Result<Exchange, GraphError>
    where
        B: Fn(&reqwest::Client) -> RequestBuilder,
    {
        let token = self.token(creds, None).await?;
        let mut reply = self.send(name, attempt, &token, build).await?;
        if reply.status == 401 && is_rejected_token(&reply) {
            // The cached token was revoked or expired early: replace it and try once more.
            tracing::info!(
                operation = name,
                "graph rejected the cached token; refreshing"
            );
            let fresh = self
                .token(creds, Some(ForceRefresh::Replacing(token.generation)))
                .await?;
            reply = self.send(name, attempt, &fresh, build).await?;
        }
        if reply.is_success() {
            return Ok(reply);
        }
        let err = graph_error(&reply.failed(), op);
        tracing::warn!(
            operation = name,
            attempt,
            status = reply.status,
            code = err.code().unwrap_or_default(),
            request_id = err.request_id().unwrap_or_default(),
            kind = err.kind().label(),
            "graph call failed"
        );
        Err(err)
    }

    async fn send<B>(
        &self,
        name: &'static str,
        attempt: u32,
        token: &CachedToken,
        build: &B,
    ) -> Result<Exchange, GraphError>
    where
        B: Fn(&reqwest::Client) -> RequestBuilder,
    {
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let request = build(&self.inner.http)
            .bearer_auth(token.token.secret.expose_secret())
            .header("client-request-id", &client_request_id);
        exchange(name, request).await.inspect_err(|err| {
            tracing::warn!(
                operation = name,
                attempt,
                client_request_id,
                kind = err.kind().label(),
                error = %err,
                "graph request did not complete"
            );
        })
    }
}

fn is_rejected_token(reply: &Exchange) -> bool {
    graph_error(&reply.failed(), Operation::Read).code() == Some("InvalidAuthenticationToken")
}

/// Parses a 2xx JSON body.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(
    reply: &Exchange,
) -> Result<T, GraphError> {
    serde_json::from_slice(&reply.body).map_err(|e| {
        GraphError::new(
            ErrorKind::UnexpectedResponse,
            format!("graph response not understood: {e}"),
        )
        .with_status(reply.status)
        .with_request_id(reply.request_id.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserQuery;
    use secrecy::SecretString;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn without_a_crypto_provider_new_fails_instead_of_panicking() {
        // No test in this binary installs a provider.
        let err = GraphClient::new(GraphConfig::default())
            .err()
            .expect("no provider");
        assert_eq!(err.kind(), &ErrorKind::Configuration);
    }

    /// Compiles only if every call's future is `Send`, so the engine can spawn them.
    #[allow(dead_code)]
    fn futures_are_send(client: &GraphClient, creds: &Credentials, password: &SecretString) {
        assert_send(&client.verify(creds));
        assert_send(&client.list_users(creds, &UserQuery::default()));
        assert_send(&client.get_user(creds, "u"));
        assert_send(&client.set_password(creds, "u", password));
        assert_send(&client.revoke_sessions(creds, "u"));
        fn assert_clone_sync<T: Clone + Send + Sync>(_: &T) {}
        assert_clone_sync(client);
    }
}
