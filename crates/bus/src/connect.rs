//! Connecting to NATS as one identity, with an error that says how to start it.

use std::path::PathBuf;
use std::time::Duration;

use crate::address::{split_servers, UrlLogin};
use leasehold_redact::mask_url;

/// Why NATS could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The server did not answer.
    #[error(
        "cannot reach NATS at {url}: {reason}. Start it with `docker compose up -d nats`, or \
         `nats-server -js` on this host, or set LEASEHOLD_NATS_URL"
    )]
    Unreachable {
        /// The URL tried, with any password masked.
        url: String,
        /// The client's reason.
        reason: String,
    },
    /// The settings cannot be used (bad URL, unreadable credentials file).
    #[error("NATS settings: {0}")]
    Settings(String),
    /// JetStream is not enabled on the server, or a stream/consumer call failed.
    #[error("JetStream: {0}")]
    JetStream(String),
}

/// The most async-nats may log, whatever `RUST_LOG` asks: at DEBUG it prints each
/// server address it dials, at TRACE every message it reads or writes, payload included
/// — and leasehold payloads carry client secrets (requests) and leased passwords
/// (credential replies). Every leasehold process caps the `async_nats` target at this.
pub const NATS_LOG_CAP: tracing::Level = tracing::Level::INFO;

/// The `tracing` target async-nats logs under.
pub const NATS_LOG_TARGET: &str = "async_nats";

/// How one NATS identity logs in. At most one of user/password, token and credentials
/// file is used, in that order; none means the login of the URL, if any.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct NatsLogin {
    /// User name (with `password`).
    pub user: Option<String>,
    /// Password of `user`.
    pub password: Option<String>,
    /// Authentication token.
    pub token: Option<String>,
    /// A `.creds` file (user JWT + NKEY seed), as written by `nsc`.
    pub creds_file: Option<PathBuf>,
}

impl NatsLogin {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.user.is_none()
            && self.password.is_none()
            && self.token.is_none()
            && self.creds_file.is_none()
    }

    /// This login where it says something, else `fallback`.
    pub fn or(&self, fallback: &NatsLogin) -> NatsLogin {
        if self.is_empty() {
            fallback.clone()
        } else {
            self.clone()
        }
    }
}

impl std::fmt::Debug for NatsLogin {
    /// Names what is set, never a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsLogin")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("creds_file", &self.creds_file)
            .finish()
    }
}

/// TLS towards NATS (`tls://` URLs turn it on too).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NatsTls {
    /// PEM file of the CA(s) that signed the server certificate.
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate, for servers that verify clients (`verify: true`).
    pub cert_file: Option<PathBuf>,
    /// PEM key of `cert_file`.
    pub key_file: Option<PathBuf>,
    /// Refuse a server that does not offer TLS.
    pub required: bool,
}

/// Where and as whom to connect.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NatsEndpoint {
    /// Comma-separated server URLs; a login in them is used when `login` is empty.
    pub url: String,
    /// The identity.
    pub login: NatsLogin,
    /// TLS settings.
    pub tls: NatsTls,
}

impl NatsEndpoint {
    /// The servers of `url`, logging in as the URL says.
    pub fn from_url(url: &str) -> Self {
        Self {
            url: url.to_string(),
            ..Default::default()
        }
    }

    /// The same servers and TLS as another identity.
    pub fn with_login(&self, login: NatsLogin) -> Self {
        Self {
            login,
            ..self.clone()
        }
    }

    /// The URL as it may be shown.
    pub fn shown(&self) -> String {
        mask_url(&self.url)
    }

    /// Client options and credential-free server addresses. `anonymous` drops every
    /// login (for checking what a stranger may do).
    pub async fn options(
        &self,
        name: &str,
        anonymous: bool,
    ) -> Result<(async_nats::ConnectOptions, Vec<String>), BusError> {
        let servers = split_servers(&self.url).map_err(BusError::Settings)?;
        let mut options = async_nats::ConnectOptions::new()
            .name(name)
            .connection_timeout(Duration::from_secs(3));
        if !anonymous {
            options = self.apply_login(options, servers.login).await?;
        }
        if let Some(ca) = &self.tls.ca_file {
            options = options.add_root_certificates(ca.clone());
        }
        match (&self.tls.cert_file, &self.tls.key_file) {
            (Some(cert), Some(key)) => {
                options = options.add_client_certificate(cert.clone(), key.clone());
            }
            (None, None) => {}
            _ => {
                return Err(BusError::Settings(
                    "a NATS client certificate needs both cert_file and key_file".into(),
                ))
            }
        }
        if self.tls.required {
            options = options.require_tls(true);
        }
        Ok((options, servers.addresses))
    }

    async fn apply_login(
        &self,
        options: async_nats::ConnectOptions,
        from_url: Option<UrlLogin>,
    ) -> Result<async_nats::ConnectOptions, BusError> {
        let login = &self.login;
        if let (Some(user), Some(password)) = (&login.user, &login.password) {
            return Ok(options.user_and_password(user.clone(), password.clone()));
        }
        if login.user.is_some() != login.password.is_some() {
            return Err(BusError::Settings(
                "a NATS user needs both user and password".into(),
            ));
        }
        if let Some(token) = &login.token {
            return Ok(options.token(token.clone()));
        }
        if let Some(path) = &login.creds_file {
            return options.credentials_file(path).await.map_err(|e| {
                BusError::Settings(format!("NATS credentials file {}: {e}", path.display()))
            });
        }
        Ok(match from_url {
            Some(UrlLogin::UserPassword { user, password }) => {
                options.user_and_password(user, password)
            }
            Some(UrlLogin::Token(token)) => options.token(token),
            None => options,
        })
    }

    /// Connects, waiting for the server (a few seconds per try) until it answers.
    pub async fn connect(
        &self,
        name: &str,
        inbox_prefix: Option<&str>,
    ) -> Result<async_nats::Client, BusError> {
        let (mut options, servers) = self.options(name, false).await?;
        options = options.retry_on_initial_connect().max_reconnects(None);
        if let Some(prefix) = inbox_prefix {
            options = options.custom_inbox_prefix(prefix);
        }
        options
            .connect(servers)
            .await
            .map_err(|e| BusError::Unreachable {
                url: self.shown(),
                reason: e.to_string(),
            })
    }
}

/// Connects to `url` (a login may be in it), failing within a few seconds when nothing
/// answers; replies arrive on the default `_INBOX.` prefix.
pub async fn connect(url: &str, name: &str) -> Result<async_nats::Client, BusError> {
    NatsEndpoint::from_url(url).connect(name, None).await
}

/// Like [`connect`], with replies to this client's requests on `<inbox_prefix>.<id>`.
///
/// NATS permissions can then let each user subscribe only to its own inbox prefix
/// (see [`crate::actor_inbox_prefix`] and `deploy/nats/leasehold.conf`), so one actor
/// cannot read the replies, and thus the credentials, meant for another.
pub async fn connect_with_inbox(
    url: &str,
    name: &str,
    inbox_prefix: Option<&str>,
) -> Result<async_nats::Client, BusError> {
    NatsEndpoint::from_url(url)
        .connect(name, inbox_prefix)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_never_shows_its_secrets() {
        let login = NatsLogin {
            user: Some("engine".into()),
            password: Some("hunter2".into()),
            token: Some("tok-123".into()),
            creds_file: None,
        };
        let shown = format!("{login:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("tok-123"),
            "{shown}"
        );
        assert!(NatsLogin::default().is_empty());
        assert_eq!(NatsLogin::default().or(&login), login);
    }
}
