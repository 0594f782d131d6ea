//! What every client subcommand needs: the configuration, the actor, a NATS connection
//! that fails fast, and API calls whose errors say what to do next.

use std::time::Duration;

use leasehold::client::{ApiClient, ApiError};
use leasehold::Config;
use leasehold_api::Operation;
use leasehold_bus::Subjects;
use leasehold_domain::Actor;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::watch;

use super::exit::CliError;
use super::explain;
use super::flags::Settings;

/// Seconds a NATS connection attempt may take before the CLI gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Loads the configuration; an unusable one is a usage error.
pub fn load_config(globals: &Settings) -> Result<Config, CliError> {
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
    /// How long to wait for an answer (`--timeout`); also the longest `--wait`.
    pub timeout: Duration,
    violations: Violations,
}

impl Api {
    /// Loads the configuration and connects to NATS, failing within seconds.
    pub async fn connect(globals: &Settings) -> Result<Api, CliError> {
        let Some(actor) = globals.actor.clone() else {
            return Err(CliError::usage(
                "no actor: say who is asking with --actor NAME or LEASEHOLD_ACTOR=NAME",
            ));
        };
        let parsed = Actor::parse(&actor).map_err(|e| {
            CliError::usage(format!(
                "invalid actor {actor:?}: {e}; use 1-64 characters of A-Z a-z 0-9 _ -"
            ))
        })?;
        if parsed.is_person() {
            return Err(CliError::usage(format!(
                "invalid actor {actor:?}: people sign in through the HTTP API; over NATS \
                 an actor is 1-64 characters of A-Z a-z 0-9 _ -"
            )));
        }
        let config = load_config(globals)?;
        let subjects =
            Subjects::new(&config.subject_prefix).map_err(|e| CliError::usage(e.to_string()))?;
        let (nats, violations) = connect_nats(&config, &actor).await?;
        let timeout = Duration::from_secs(globals.timeout.as_secs());
        let client = ApiClient::new(nats, subjects, &actor).with_timeout(timeout);
        Ok(Api {
            client,
            actor,
            json: globals.json,
            timeout,
            violations,
        })
    }

    /// Sends command `op`.
    pub async fn command(&self, op: Operation, payload: Value) -> Result<Value, CliError> {
        let reply = self.guard(self.client.command(op, &payload)).await?;
        self.explain(op, &payload, reply)
    }

    /// Sends command `op` with an idempotency key.
    pub async fn command_with_id(
        &self,
        op: Operation,
        payload: Value,
        request_id: &str,
    ) -> Result<Value, CliError> {
        let reply = self
            .guard(self.client.command_with_id(op, &payload, request_id))
            .await?;
        self.explain(op, &payload, reply)
    }

    /// Sends query `op`.
    pub async fn query(&self, op: Operation, payload: Value) -> Result<Value, CliError> {
        let reply = self.guard(self.client.query(op, &payload)).await?;
        self.explain(op, &payload, reply)
    }

    /// Sends query `op` and decodes its result as `T`, the operation's result type in
    /// `leasehold_api`.
    pub async fn query_as<T: DeserializeOwned>(
        &self,
        op: Operation,
        payload: Value,
    ) -> Result<T, CliError> {
        decode(op, self.query(op, payload).await?)
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
        let reply = self.guard(client.query(op, &payload)).await?;
        self.explain(op, &payload, reply)
    }

    /// Runs `call`, unless NATS reports a permission violation first: a request NATS
    /// refused to deliver would otherwise only end with the timeout.
    async fn guard<T>(&self, call: impl std::future::Future<Output = T>) -> Result<T, CliError> {
        let mut seen = self.violations.clone();
        tokio::select! {
            done = call => Ok(done),
            Ok(violation) = seen.wait_for(Option::is_some) => {
                let violation = violation.clone().unwrap_or_default();
                Err(explain::permission_violation(&violation, &self.actor))
            }
        }
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
/// (`_INBOX_<actor>`), which NATS permissions may reserve to that user. The permission
/// violations the server reports on it are sent to the returned receiver.
pub async fn connect_nats(
    config: &Config,
    actor: &str,
) -> Result<(async_nats::Client, Violations), CliError> {
    let endpoint = leasehold_bus::NatsEndpoint {
        url: config.nats_url.clone(),
        login: config.nats_auth.shared_login(),
        tls: config.nats_tls.to_bus(),
    };
    let shown = endpoint.shown();
    let (options, servers) = endpoint
        .options(&format!("leasehold-cli-{actor}"), false)
        .await
        .map_err(|e| CliError::usage(format!("cannot use the NATS settings for {shown}: {e}")))?;
    let (violations, seen) = watch::channel(None);
    options
        .connection_timeout(CONNECT_TIMEOUT)
        .custom_inbox_prefix(leasehold_bus::actor_inbox_prefix(actor))
        .event_callback(move |event| {
            let violations = violations.clone();
            async move {
                if let async_nats::Event::ServerError(async_nats::ServerError::Other(m)) = event {
                    if m.to_lowercase().contains("permissions violation") {
                        violations.send_replace(Some(m));
                    }
                }
            }
        })
        .connect(servers)
        .await
        .map(|client| (client, seen))
        .map_err(|e| explain::connect_error(&shown, e))
}

/// The latest permission violation NATS reported on the CLI's connection.
pub type Violations = watch::Receiver<Option<String>>;

/// `op`'s result as its type in `leasehold_api`; a failure names the operation, not the
/// values (a reply may carry a credential).
pub fn decode<T: DeserializeOwned>(op: Operation, result: Value) -> Result<T, CliError> {
    serde_json::from_value(result).map_err(|_| {
        CliError::failure(format!(
            "{op} answered something this version of leasehold does not understand; are the \
             CLI and the engine the same version?"
        ))
    })
}
