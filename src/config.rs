//! Typed, layered configuration: defaults < `leasehold.toml` < `LEASEHOLD_*` variables
//! (merged by `figment`, see [`layers`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use figment::providers::{Data, Format, Serialized, Toml};
use figment::Figment;
use leasehold_command::Policy;
use serde::{Deserialize, Serialize};

mod http;
pub mod layers;
mod nats;

pub use crate::logging::LogFormat;
pub use http::{HttpSettings, SignInSettings};
pub use nats::{Hidden, Login, NatsAuth, NatsRole, TlsSettings};

/// Environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "LEASEHOLD_CONFIG";

/// Everything a leasehold process needs to know. `Debug` masks URL passwords.
#[derive(Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// PostgreSQL URL (the database is created if missing).
    pub database_url: String,
    /// NATS server URLs (comma-separated for a cluster; `tls://` for TLS). A login in
    /// the URL is used when `[nats_auth]` gives none.
    pub nats_url: String,
    /// Serve even when an anonymous client may speak the API on this NATS (development
    /// servers without authentication). Off: `serve` refuses such a server.
    pub insecure_nats: bool,
    /// NATS logins, for every component or per component.
    pub nats_auth: NatsAuth,
    /// TLS towards NATS.
    pub nats_tls: TlsSettings,
    /// Subject prefix; lets installations share one NATS.
    pub subject_prefix: String,
    /// File holding the base64 master key (0600); `LEASEHOLD_MASTER_KEY` wins.
    pub master_key_file: Option<PathBuf>,
    /// Files of earlier master keys, still accepted for unwrapping during a rotation
    /// (see `leasehold keys rotate-master`); also `LEASEHOLD_PREVIOUS_MASTER_KEYS`
    /// (comma-separated base64 keys).
    pub previous_master_key_files: Vec<PathBuf>,
    /// JetStream replicas for the event stream (3 on a cluster).
    pub stream_replicas: usize,
    /// Seconds `lease.create` waits for activation before replying `pending`.
    pub activation_wait_secs: u64,
    /// Concurrent Graph calls per connection in one worker.
    pub graph_concurrency: usize,
    /// Seconds one Graph call may spend on retries.
    pub graph_retry_deadline_secs: u64,
    /// Seconds one Graph HTTP request may take.
    pub graph_request_timeout_secs: u64,
    /// Per-actor abuse limits.
    pub limits: Limits,
    /// Address for Prometheus metrics (`GET /metrics`); none by default.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Address of the HTTP API (the `http` component).
    pub http_listen: Option<std::net::SocketAddr>,
    /// The HTTP gateway's actor and token checks.
    pub http: HttpSettings,
    /// `text` (default) or `json` (one object per line, span fields included).
    pub log_format: LogFormat,
    /// Who may do what.
    pub policy: Policy,
    /// A TOML file holding the policy (`admins = […]`, `[[rules]]`) instead of the
    /// `[policy]` section, so it can be kept and deployed on its own.
    pub policy_file: Option<PathBuf>,
}

/// Per-actor abuse limits, answered with `rate_limited` / `quota_exceeded`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Live leases one actor may hold at once (0 = unlimited).
    pub max_live_leases_per_actor: u32,
    /// Sustained requests per second per actor on the command and query subjects
    /// (0 = unlimited).
    pub requests_per_second: u32,
    /// Burst above the sustained rate.
    pub burst: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_live_leases_per_actor: 100,
            requests_per_second: 200,
            burst: 400,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "postgres://postgres@127.0.0.1:5432/leasehold".into(),
            nats_url: "nats://127.0.0.1:4222".into(),
            insecure_nats: false,
            nats_auth: NatsAuth::default(),
            nats_tls: TlsSettings::default(),
            subject_prefix: leasehold_bus::DEFAULT_PREFIX.into(),
            master_key_file: None,
            previous_master_key_files: Vec::new(),
            stream_replicas: 1,
            activation_wait_secs: 10,
            graph_concurrency: 32,
            graph_retry_deadline_secs: 30,
            graph_request_timeout_secs: 10,
            metrics_listen: None,
            http_listen: None,
            http: HttpSettings::default(),
            log_format: LogFormat::Text,
            limits: Limits::default(),
            policy: Policy::default(),
            policy_file: None,
        }
    }
}

impl Config {
    /// Loads defaults, then the file (`path`, else `$LEASEHOLD_CONFIG`, else
    /// `./leasehold.toml` if present), then the environment, and validates the result.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let env_path = std::env::var_os(CONFIG_ENV).map(PathBuf::from);
        let file = match (path, env_path) {
            (Some(p), _) => Some(p.to_path_buf()),
            (None, Some(p)) => Some(p),
            (None, None) => Some(PathBuf::from("leasehold.toml")).filter(|p| p.exists()),
        };
        if let Some(p) = &file {
            // A named file that cannot be read is an error (figment would skip it).
            std::fs::File::open(p)
                .with_context(|| format!("read configuration file {}", p.display()))?;
        }
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        let config = Self::extract(file.as_deref().map(Toml::file_exact), vars)?;
        let config = config.with_policy_file()?;
        config.validate()?;
        Ok(config)
    }

    /// Defaults, then `file` (TOML text), then the `LEASEHOLD_*` variables among `vars`
    /// (see [`layers`] for their names); not validated.
    pub fn from_layers(
        file: Option<&str>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        Self::extract(file.map(Toml::string), vars)
    }

    fn extract(
        file: Option<Data<Toml>>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(file);
        }
        figment = figment.merge(layers::EnvLayer::new(vars));
        // Lossy: text from the environment is read as the number or flag its key wants.
        figment.extract_lossy().map_err(|e| {
            let text = e.to_string().replace('\n', "; ");
            anyhow::anyhow!("{}", text.replace("key \"default.", "key \""))
        })
    }

    /// The configuration with the policy read from `policy_file`, when one is named
    /// (it may not also be given inline: two sources of rights would be one too many).
    pub fn with_policy_file(mut self) -> anyhow::Result<Self> {
        let Some(path) = &self.policy_file else {
            return Ok(self);
        };
        if !self.policy.admins.is_empty() || !self.policy.rules.is_empty() {
            bail!(
                "the policy is given both in policy_file ({}) and inline ([policy] or \
                 LEASEHOLD_POLICY__*); keep one",
                path.display()
            );
        }
        std::fs::File::open(path)
            .with_context(|| format!("read policy file {}", path.display()))?;
        self.policy = Figment::from(Toml::file_exact(path))
            .extract()
            .map_err(|e| anyhow::anyhow!("policy file {}: {e}", path.display()))?;
        Ok(self)
    }

    /// Rejects settings that cannot work, with the reason.
    pub fn validate(&self) -> anyhow::Result<()> {
        leasehold_bus::Subjects::new(&self.subject_prefix)?;
        if self.graph_concurrency == 0 {
            bail!("graph_concurrency must be at least 1");
        }
        if !(1..=5).contains(&self.stream_replicas) {
            bail!("stream_replicas must be 1 to 5");
        }
        leasehold_bus::check_prefix_reserved(&self.subject_prefix)?;
        for actor in self
            .policy
            .admins
            .iter()
            .chain(self.policy.delegates.iter())
            .chain(
                self.policy
                    .rules
                    .iter()
                    .flat_map(|r| r.actors.iter())
                    .filter(|a| *a != "*"),
            )
        {
            let parsed = leasehold_domain::Actor::parse(actor)
                .with_context(|| format!("policy names an invalid actor {actor:?}"))?;
            // Rights go to identities NATS authenticates, i.e. subject tokens.
            if parsed.is_system() {
                bail!("policy names {actor:?}: system actors never send requests");
            }
            if leasehold_bus::is_reserved_actor(actor) {
                bail!(
                    "policy names the reserved actor {actor:?}; reserved (in any case): {}",
                    leasehold_bus::RESERVED_ACTORS.join(", ")
                );
            }
        }
        Ok(())
    }

    /// The current master key (`LEASEHOLD_MASTER_KEY`, else `master_key_file`).
    pub fn master_key(&self) -> anyhow::Result<leasehold_crypto::MasterKey> {
        Ok(leasehold_crypto::MasterKey::from_env_or_file(
            self.master_key_file.as_deref(),
        )?)
    }

    /// Earlier master keys still accepted for unwrapping (rotation in progress).
    pub fn previous_master_keys(&self) -> anyhow::Result<Vec<leasehold_crypto::MasterKey>> {
        let mut keys = Vec::new();
        for path in &self.previous_master_key_files {
            keys.push(leasehold_crypto::MasterKey::from_file(path)?);
        }
        if let Ok(list) = std::env::var("LEASEHOLD_PREVIOUS_MASTER_KEYS") {
            for (i, text) in list.split(',').filter(|t| !t.trim().is_empty()).enumerate() {
                keys.push(leasehold_crypto::MasterKey::from_base64(
                    text,
                    &format!("LEASEHOLD_PREVIOUS_MASTER_KEYS[{i}]"),
                )?);
            }
        }
        Ok(keys)
    }

    /// The activation wait as a duration.
    pub fn activation_wait(&self) -> Duration {
        Duration::from_secs(self.activation_wait_secs)
    }

    /// The Graph client settings.
    pub fn graph(&self) -> leasehold_graph::GraphConfig {
        leasehold_graph::GraphConfig {
            request_timeout: Duration::from_secs(self.graph_request_timeout_secs.max(1)),
            retry_deadline: Duration::from_secs(self.graph_retry_deadline_secs.max(1)),
            ..Default::default()
        }
    }

    /// How `role` connects to NATS.
    pub fn nats_endpoint(&self, role: NatsRole) -> leasehold_bus::NatsEndpoint {
        nats::endpoint(&self.nats_url, &self.nats_auth, &self.nats_tls, role)
    }

    /// The configuration as TOML with every password and token masked.
    pub fn masked(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = mask_url(&self.database_url);
        shown.nats_url = mask_url(&self.nats_url);
        toml::to_string_pretty(&shown).unwrap_or_default()
    }
}

impl std::fmt::Debug for Config {
    /// Prints the configuration with the passwords of its URLs masked.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &mask_url(&self.database_url))
            .field("nats_url", &mask_url(&self.nats_url))
            .field("insecure_nats", &self.insecure_nats)
            .field("nats_auth", &self.nats_auth)
            .field("nats_tls", &self.nats_tls)
            .field("subject_prefix", &self.subject_prefix)
            .field("master_key_file", &self.master_key_file)
            .field("previous_master_key_files", &self.previous_master_key_files)
            .field("stream_replicas", &self.stream_replicas)
            .field("activation_wait_secs", &self.activation_wait_secs)
            .field("graph_concurrency", &self.graph_concurrency)
            .field("graph_retry_deadline_secs", &self.graph_retry_deadline_secs)
            .field(
                "graph_request_timeout_secs",
                &self.graph_request_timeout_secs,
            )
            .field("metrics_listen", &self.metrics_listen)
            .field("http_listen", &self.http_listen)
            .field("http", &self.http)
            .field("log_format", &self.log_format)
            .field("limits", &self.limits)
            .field("policy", &self.policy)
            .field("policy_file", &self.policy_file)
            .finish()
    }
}

/// Any URL with its secrets masked (see [`leasehold_bus::mask_url`]).
pub use leasehold_bus::mask_url;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod env_table;
