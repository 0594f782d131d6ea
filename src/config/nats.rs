//! How the engine logs in to NATS: one identity for every component, or one per
//! component with only the rights it needs (see `deploy/nats/leasehold.conf`), and TLS.

use std::path::PathBuf;

use anyhow::Context;
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

    fn apply_env(
        &mut self,
        var: &impl Fn(&str) -> Option<String>,
        prefix: &str,
    ) -> anyhow::Result<()> {
        if let Some(v) = var(&format!("{prefix}_USER")) {
            self.user = Some(v);
        }
        if let Some(v) = var(&format!("{prefix}_PASSWORD")) {
            self.password = Some(Hidden::new(v));
        }
        if let Some(v) = var(&format!("{prefix}_TOKEN")) {
            self.token = Some(Hidden::new(v));
        }
        if let Some(v) = var(&format!("{prefix}_CREDS_FILE")) {
            self.creds_file = Some(PathBuf::from(v));
        }
        Ok(())
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
}

impl NatsRole {
    /// Every role.
    pub const ALL: [NatsRole; 5] = [
        NatsRole::Command,
        NatsRole::Query,
        NatsRole::Relay,
        NatsRole::Worker,
        NatsRole::Projection,
    ];

    /// Lower-case name (config table, connection name).
    pub fn name(self) -> &'static str {
        match self {
            NatsRole::Command => "command",
            NatsRole::Query => "query",
            NatsRole::Relay => "relay",
            NatsRole::Worker => "worker",
            NatsRole::Projection => "projection",
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

    /// Reads `LEASEHOLD_NATS_{USER,PASSWORD,TOKEN,CREDS_FILE}` and the same per
    /// component (`LEASEHOLD_NATS_COMMAND_USER`, …).
    pub fn apply_env(&mut self, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        let mut default = self.default_login();
        default.apply_env(var, "LEASEHOLD_NATS")?;
        self.user = default.user;
        self.password = default.password;
        self.token = default.token;
        self.creds_file = default.creds_file;
        for role in NatsRole::ALL {
            let prefix = format!("LEASEHOLD_NATS_{}", role.name().to_uppercase());
            let login = match role {
                NatsRole::Command => &mut self.command,
                NatsRole::Query => &mut self.query,
                NatsRole::Relay => &mut self.relay,
                NatsRole::Worker => &mut self.worker,
                NatsRole::Projection => &mut self.projection,
            };
            login.apply_env(var, &prefix)?;
        }
        Ok(())
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
    /// Reads `LEASEHOLD_NATS_{CA_FILE,CERT_FILE,KEY_FILE,TLS_REQUIRED}`.
    pub fn apply_env(&mut self, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(v) = var("LEASEHOLD_NATS_CA_FILE") {
            self.ca_file = Some(PathBuf::from(v));
        }
        if let Some(v) = var("LEASEHOLD_NATS_CERT_FILE") {
            self.cert_file = Some(PathBuf::from(v));
        }
        if let Some(v) = var("LEASEHOLD_NATS_KEY_FILE") {
            self.key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = var("LEASEHOLD_NATS_TLS_REQUIRED") {
            self.required = parse_bool("LEASEHOLD_NATS_TLS_REQUIRED", &v)?;
        }
        Ok(())
    }

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

/// `true`/`false`/`1`/`0`/`yes`/`no`.
pub fn parse_bool(name: &str, v: &str) -> anyhow::Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        _ => Err(anyhow::anyhow!("{name} must be true or false, got {v:?}")),
    }
    .with_context(|| format!("read {name}"))
}

/// The endpoint for `role` given the URL, logins and TLS.
pub fn endpoint(url: &str, auth: &NatsAuth, tls: &TlsSettings, role: NatsRole) -> NatsEndpoint {
    NatsEndpoint {
        url: url.to_string(),
        login: auth.login(role),
        tls: tls.to_bus(),
    }
}
