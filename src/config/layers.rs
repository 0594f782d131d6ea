//! The layers of the configuration, merged by `figment`: defaults < file < environment.
//!
//! Every key has an environment form: `LEASEHOLD_<KEY>` for a top-level key and
//! `LEASEHOLD_<SECTION>__<KEY>` inside a section (`LEASEHOLD_LIMITS__BURST`,
//! `LEASEHOLD_NATS_AUTH__COMMAND__USER`, `LEASEHOLD_POLICY__ADMINS='["admin"]'`). Values
//! are taken as text and read as the key's type asks (`"8"` is a number for
//! `graph_concurrency`, a string for `subject_prefix`); lists and tables are written as
//! in TOML (`[…]`, `{key = value}`). An empty variable counts as unset. Other
//! `LEASEHOLD_*` variables (`LEASEHOLD_MASTER_KEY`, the CLI's `LEASEHOLD_ACTOR`, …) are
//! not configuration keys and are left alone.

use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider};

/// Prefix of every configuration variable.
pub const ENV_PREFIX: &str = "LEASEHOLD_";

/// The top-level keys of the configuration file, each with its environment form.
pub const KEYS: [&str; 20] = [
    "database_url",
    "nats_url",
    "insecure_nats",
    "nats_auth",
    "nats_tls",
    "subject_prefix",
    "master_key_file",
    "previous_master_key_files",
    "stream_replicas",
    "activation_wait_secs",
    "graph_concurrency",
    "graph_retry_deadline_secs",
    "graph_request_timeout_secs",
    "limits",
    "metrics_listen",
    "http_listen",
    "http",
    "log_format",
    "policy",
    "policy_file",
];

/// Older names of NATS keys, still read (the `__` form wins when both are set).
pub fn alias(name: &str) -> Option<String> {
    let rest = name.strip_prefix("LEASEHOLD_NATS_")?;
    let tls = [
        ("CA_FILE", "nats_tls.ca_file"),
        ("CERT_FILE", "nats_tls.cert_file"),
        ("KEY_FILE", "nats_tls.key_file"),
        ("TLS_REQUIRED", "nats_tls.required"),
    ];
    if let Some((_, key)) = tls.iter().find(|(n, _)| *n == rest) {
        return Some(key.to_string());
    }
    let login = |field: &str| {
        ["USER", "PASSWORD", "TOKEN", "CREDS_FILE"]
            .contains(&field)
            .then(|| field.to_ascii_lowercase())
    };
    if let Some(field) = login(rest) {
        return Some(format!("nats_auth.{field}"));
    }
    let (role, field) = rest.split_once('_')?;
    let role = role.to_ascii_lowercase();
    let roles = ["command", "query", "relay", "worker", "projection"];
    let field = login(field).filter(|_| roles.contains(&role.as_str()))?;
    Some(format!("nats_auth.{role}.{field}"))
}

/// The key path (`limits.burst`) a variable sets, if it is a configuration variable.
pub fn key_of(name: &str) -> Option<String> {
    let rest = name.strip_prefix(ENV_PREFIX)?;
    let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
    if KEYS.contains(&path[0].as_str()) && path.iter().all(|p| !p.is_empty()) {
        return Some(path.join("."));
    }
    None
}

/// The `LEASEHOLD_*` variables among `vars`, as a figment layer.
pub struct EnvLayer {
    dict: Dict,
}

impl EnvLayer {
    /// Reads the configuration variables among `vars`; aliases first, so that the
    /// `__` names override them.
    pub fn new(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let (mut aliased, mut named) = (Vec::new(), Vec::new());
        for (name, value) in vars {
            if value.trim().is_empty() {
                continue;
            }
            if let Some(key) = key_of(&name) {
                named.push((key, value));
            } else if let Some(key) = alias(&name) {
                aliased.push((key, value));
            }
        }
        let mut dict = Dict::new();
        for (key, text) in aliased.into_iter().chain(named) {
            let nested = figment::util::nest(&key, value_of(&key, &text));
            if let Some(d) = nested.into_dict() {
                dict = merge(dict, d);
            }
        }
        Self { dict }
    }
}

/// Text stays text (the key's type decides how to read it); `[…]` and `{…}` are parsed,
/// except for a password or token, which is always taken as written.
fn value_of(key: &str, text: &str) -> Value {
    let t = text.trim();
    let secret = key.ends_with(".password") || key.ends_with(".token");
    if !secret && (t.starts_with('[') || t.starts_with('{')) {
        t.parse().unwrap_or_else(|never| match never {})
    } else {
        Value::from(text.to_string())
    }
}

fn merge(mut into: Dict, from: Dict) -> Dict {
    for (k, v) in from {
        let merged = match (into.remove(&k), v) {
            (Some(Value::Dict(_, a)), Value::Dict(tag, b)) => Value::Dict(tag, merge(a, b)),
            (_, v) => v,
        };
        into.insert(k, merged);
    }
    into
}

impl Provider for EnvLayer {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variable(s)").interpolater(|_, keys| {
            let names: Vec<String> = keys.iter().map(|k| k.to_ascii_uppercase()).collect();
            format!("{ENV_PREFIX}{}", names.join("__"))
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}
