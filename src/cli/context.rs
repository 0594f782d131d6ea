//! What every client subcommand needs: the configuration, the actor, a NATS connection
//! that fails fast, and API calls whose errors say what to do next.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use leasehold::client::{ApiClient, ApiError};
use leasehold::Config;
use leasehold_api::Operation;
use leasehold_bus::Subjects;
use leasehold_domain::{Actor, Ttl};
use serde_json::Value;

use super::exit::CliError;
use super::explain;

/// Options every subcommand accepts.
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Global options")]
pub struct Globals {
    /// Configuration file (default: $LEASEHOLD_CONFIG, else ./leasehold.toml if present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Who is asking: the <actor> token of the NATS subjects (NATS permissions
    /// authenticate it).
    #[arg(long, global = true, env = "LEASEHOLD_ACTOR", value_name = "ACTOR")]
    pub actor: Option<String>,
    /// Print the API's JSON replies instead of tables (errors become one JSON line on
    /// stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// How long to wait for an answer from leasehold.
    #[arg(
        long,
        global = true,
        env = "LEASEHOLD_TIMEOUT",
        value_name = "DURATION",
        default_value = "30s"
    )]
    pub timeout: Ttl,
}

/// Seconds a NATS connection attempt may take before the CLI gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Loads the configuration; an unusable one is a usage error.
pub fn load_config(globals: &Globals) -> Result<Config, CliError> {
    Config::load(globals.config.as_deref()).map_err(|e| {
        CliError::usage(format!(
            "invalid configuration: {e:#}; fix it (see docs/operations.md) and check it with \
             `leasehold config check`"
        ))
    })
}

/// A connected API client for one actor, with error explanations.
pub struct Api {
    client: ApiClient,
    /// The actor the requests are made as.
    pub actor: String,
    /// Whether to print JSON.
    pub json: bool,
}

impl Api {
    /// Loads the configuration and connects to NATS, failing within seconds.
    pub async fn connect(globals: &Globals) -> Result<Api, CliError> {
        let Some(actor) = globals.actor.clone() else {
            return Err(CliError::usage(
                "no actor: say who is asking with --actor NAME or LEASEHOLD_ACTOR=NAME",
            ));
        };
        Actor::parse(&actor).map_err(|e| {
            CliError::usage(format!(
                "invalid actor {actor:?}: {e}; use 1-64 characters of A-Z a-z 0-9 _ -"
            ))
        })?;
        let config = load_config(globals)?;
        let subjects =
            Subjects::new(&config.subject_prefix).map_err(|e| CliError::usage(e.to_string()))?;
        let nats = connect_nats(&config, &actor).await?;
        let client = ApiClient::new(nats, subjects, &actor)
            .with_timeout(Duration::from_secs(globals.timeout.as_secs()));
        Ok(Api {
            client,
            actor,
            json: globals.json,
        })
    }

    /// Sends command `op`.
    pub async fn command(&self, op: Operation, payload: Value) -> Result<Value, CliError> {
        let reply = self.client.command(op, &payload).await;
        self.explain(op, &payload, reply)
    }

    /// Sends command `op` with an idempotency key.
    pub async fn command_with_id(
        &self,
        op: Operation,
        payload: Value,
        request_id: &str,
    ) -> Result<Value, CliError> {
        let reply = self.client.command_with_id(op, &payload, request_id).await;
        self.explain(op, &payload, reply)
    }

    /// Sends query `op`.
    pub async fn query(&self, op: Operation, payload: Value) -> Result<Value, CliError> {
        let reply = self.client.query(op, &payload).await;
        self.explain(op, &payload, reply)
    }

    /// Like [`Api::query`], waiting at least `at_least` for the answer (for operations
    /// such as `audit.verify` that read the whole store).
    pub async fn query_patiently(
        &self,
        op: Operation,
        payload: Value,
        at_least: Duration,
    ) -> Result<Value, CliError> {
        let client = self.client.clone();
        let client = if client.timeout() < at_least {
            client.with_timeout(at_least)
        } else {
            client
        };
        let reply = client.query(op, &payload).await;
        self.explain(op, &payload, reply)
    }

    fn explain(
        &self,
        op: Operation,
        payload: &Value,
        reply: Result<Value, ApiError>,
    ) -> Result<Value, CliError> {
        reply.map_err(|e| explain::api_error(e, op, payload, &self.actor))
    }
}

/// A plain NATS connection as `actor`: no retry on the first connect, so an unreachable
/// server is reported at once rather than waited for. It logs in with `[nats_auth]` (or
/// the credentials of the URL, which never reach the client library's logs) over the
/// configured TLS, and receives replies on the actor's own inbox prefix
/// (`_INBOX_<actor>`), which NATS permissions may reserve to that user.
pub async fn connect_nats(config: &Config, actor: &str) -> Result<async_nats::Client, CliError> {
    let endpoint = leasehold_bus::NatsEndpoint {
        url: config.nats_url.clone(),
        login: config.nats_auth.shared_login(),
        tls: config.nats_tls.to_bus(),
    };
    let unreachable = |e: String| {
        CliError::failure(format!(
            "cannot reach NATS at {}: {e}; start it (`docker compose up -d nats`, or \
             `nats-server -js` on this host) or set LEASEHOLD_NATS_URL",
            endpoint.shown()
        ))
    };
    let (options, servers) = endpoint
        .options(&format!("leasehold-cli-{actor}"), false)
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    options
        .connection_timeout(CONNECT_TIMEOUT)
        .custom_inbox_prefix(leasehold_bus::actor_inbox_prefix(actor))
        .connect(servers)
        .await
        .map_err(|e| unreachable(e.to_string()))
}
