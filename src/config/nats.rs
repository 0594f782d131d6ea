//! How the engine logs in to NATS: one identity for every component, or one per
//! component with only the rights it needs (see `deploy/nats/leasehold.conf`), and TLS.

use std::path::PathBuf;

use leasehold_bus::{NatsEndpoint, NatsLogin, NatsTls};
use serde::{Deserialize, Serialize};

/// A secret configuration value: read from the file or the environment, never shown
/// (`Debug` and the masked configuration print `***`).
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Hidden(String);

impl Hidden {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for handing to the client library.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Serialize for Hidden {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

impl std::fmt::Debug for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// One NATS identity. Empty means "as the default identity" (for a component) or "as
/// the URL says" (for the default).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Login {
    /// User name (with `password`).
    pub user: Option<String>,
    /// Password of `user` (plain; the server may hold a bcrypt hash).
    pub password: Option<Hidden>,
    /// Authentication token.
    pub token: Option<Hidden>,
    /// A `.creds` file (user JWT and NKEY seed) written by `nsc`.
    pub creds_file: Option<PathBuf>,
}

impl Login {
    fn to_bus(&self) -> NatsLogin {
        NatsLogin {
            user: self.user.clone(),
            password: self.password.as_ref().map(|p| p.expose().to_string()),
            token: self.token.as_ref().map(|t| t.expose().to_string()),
            creds_file: self.creds_file.clone(),
        }
    }
}

/// The part of the engine a NATS connection serves; each may have its own identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NatsRole {
    /// The command responder.
    Command,
    /// The query responder.
    Query,
    /// The outbox relay (publishes events, creates the stream).
    Relay,
    /// The Graph worker (consumes events).
    Worker,
    /// The read-model projector (consumes events).
    Projection,
    /// The HTTP gateway (asks as a delegate, on behalf of signed-in actors).
    Http,
}

impl NatsRole {
    /// Every role.
    pub const ALL: [NatsRole; 6] = [
        NatsRole::Command,
        NatsRole::Query,
        NatsRole::Relay,
        NatsRole::Worker,
        NatsRole::Projection,
        NatsRole::Http,
    ];

    /// Lower-case name (config table, connection name).
    pub fn name(self) -> &'static str {
        match self {
            NatsRole::Command => "command",
            NatsRole::Query => "query",
            NatsRole::Relay => "relay",
            NatsRole::Worker => "worker",
            NatsRole::Projection => "projection",
            NatsRole::Http => "http",
        }
    }
}

/// NATS logins: `[nats_auth]` for every component, `[nats_auth.<component>]` to give
/// one component its own identity.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct NatsAuth {
    /// User name of the default identity.
    pub user: Option<String>,
    /// Password of the default identity.
    pub password: Option<Hidden>,
    /// Token of the default identity.
    pub token: Option<Hidden>,
    /// `.creds` file of the default identity.
    pub creds_file: Option<PathBuf>,
    /// The command responder's identity.
    pub command: Login,
    /// The query responder's identity.
    pub query: Login,
    /// The relay's identity.
    pub relay: Login,
    /// The worker's identity.
    pub worker: Login,
    /// The projector's identity.
    pub projection: Login,
    /// The HTTP gateway's identity.
    pub http: Login,
}

impl NatsAuth {
    fn default_login(&self) -> Login {
        Login {
            user: self.user.clone(),
            password: self.password.clone(),
            token: self.token.clone(),
            creds_file: self.creds_file.clone(),
        }
    }

    fn role(&self, role: NatsRole) -> &Login {
        match role {
            NatsRole::Command => &self.command,
            NatsRole::Query => &self.query,
            NatsRole::Relay => &self.relay,
            NatsRole::Worker => &self.worker,
            NatsRole::Projection => &self.projection,
            NatsRole::Http => &self.http,
        }
    }

    /// The login `role` uses: its own, else the default, else the URL's.
    pub fn login(&self, role: NatsRole) -> NatsLogin {
        self.role(role).to_bus().or(&self.default_login().to_bus())
    }

    /// The default login (`[nats_auth]` itself), used by the CLI too.
    pub fn shared_login(&self) -> NatsLogin {
        self.default_login().to_bus()
    }
}

/// TLS towards NATS (`[nats_tls]`); a `tls://` URL turns TLS on by itself.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// PEM file of the CA that signed the server's certificate.
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate (servers with `verify: true`).
    pub cert_file: Option<PathBuf>,
    /// PEM key of `cert_file`.
    pub key_file: Option<PathBuf>,
    /// Refuse servers that do not offer TLS.
    pub required: bool,
}

impl TlsSettings {
    /// As the bus crate takes it.
    pub fn to_bus(&self) -> NatsTls {
        NatsTls {
            ca_file: self.ca_file.clone(),
            cert_file: self.cert_file.clone(),
            key_file: self.key_file.clone(),
            required: self.required,
        }
    }
}

/// The endpoint for `role` given the URL, logins and TLS.
pub fn endpoint(url: &str, auth: &NatsAuth, tls: &TlsSettings, role: NatsRole) -> NatsEndpoint {
    NatsEndpoint {
        url: url.to_string(),
        login: auth.login(role),
        tls: tls.to_bus(),
    }
}
