//! The NATS command service: request/reply on `<prefix>.cmd.<actor>.<noun>.<verb>` in a
//! queue group, so any number of copies can serve.

mod app_checks;
mod bulk_revoke;
mod connection_ops;
mod guard;
mod input;
mod lease_ops;
mod limits;
mod quota;
mod secret_ops;
mod views;

use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, HeaderMap};
use leasehold_bus::{RequestKind, ServeLoop, Subjects, HEADER_REQUEST_ID};
use leasehold_domain::Actor;
use leasehold_graph::{GraphClient, GraphError};
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::{CommandError, Commands, Meta, Policy};

pub use guard::{catch_panic, reply_body, wipe_strings};
pub use input::{clip, MAX_PAYLOAD};
pub use limits::{RateLimit, RateLimiter, ServiceLimits};

/// Queue group shared by every copy of the command service.
pub const QUEUE_GROUP: &str = "leasehold-command";

/// Every operation the command subjects accept.
pub const COMMAND_OPS: &[&str] = &[
    "connection.create",
    "connection.rotate",
    "connection.delete",
    "secret.create",
    "secret.update",
    "secret.delete",
    "lease.create",
    "lease.renew",
    "lease.revoke",
];

/// With the `fault-hooks` feature (tests only), a request carrying this request id
/// makes its handler panic, so tests can check that a panic is answered and survived.
#[cfg(feature = "fault-hooks")]
pub const FAULT_PANIC_REQUEST_ID: &str = "fault-hook:panic";

/// With the `fault-hooks` feature (tests only), a `lease.create` whose request id starts
/// with this has its lease force-revoked after the handler saw it active and before it
/// opens the credential: the window in which a concurrent revocation can land.
#[cfg(feature = "fault-hooks")]
pub const FAULT_END_BEFORE_REPLY: &str = "fault-hook:end-before-reply:";

/// Tunables of the command service.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// How long `lease.create` waits for activation before replying `pending`.
    pub activation_wait: Duration,
    /// Requests handled at once by one copy.
    pub max_in_flight: usize,
    /// Per-actor request rate and live-lease cap (default: unlimited).
    pub limits: ServiceLimits,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            activation_wait: Duration::from_secs(10),
            max_in_flight: 256,
            limits: ServiceLimits::default(),
        }
    }
}

/// Answers command requests.
#[derive(Clone)]
pub struct CommandService {
    pub(crate) commands: Arc<Commands>,
    pub(crate) graph: GraphClient,
    pub(crate) policy: Arc<Policy>,
    pub(crate) subjects: Subjects,
    pub(crate) config: ServiceConfig,
    pub(crate) rate: Arc<RateLimiter>,
    pub(crate) quota_slots: Arc<Semaphore>,
}

/// One request as the handlers see it.
pub(crate) struct Request<'a> {
    pub actor: Actor,
    pub payload: &'a [u8],
    pub request_id: Option<String>,
    pub client: Option<&'a Client>,
}

impl Request<'_> {
    /// Metadata for commands run on behalf of this request, timed now.
    pub fn meta(&self) -> Meta {
        Meta::new(self.actor.clone(), chrono::Utc::now()).with_request_id(self.request_id.clone())
    }
}

impl CommandService {
    /// A service over `commands` that verifies credentials and users through `graph`.
    pub fn new(
        commands: Arc<Commands>,
        graph: GraphClient,
        policy: Policy,
        subjects: Subjects,
        config: ServiceConfig,
    ) -> Self {
        Self {
            commands,
            graph,
            policy: Arc::new(policy),
            subjects,
            rate: Arc::new(RateLimiter::new(config.limits.rate)),
            quota_slots: quota::quota_slots(),
            config,
        }
    }

    /// Serves until `shutdown` resolves; requests in flight are finished first. Replies
    /// go only to the requester's own inbox (see [`leasehold_bus::serve`]).
    pub async fn run(
        self,
        client: Client,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let serve = ServeLoop {
            subjects: self.subjects.clone(),
            kind: RequestKind::Command,
            queue_group: QUEUE_GROUP,
            max_in_flight: self.config.max_in_flight,
            handle_without_reply: true,
        };
        let handler_client = client.clone();
        serve
            .run(client, shutdown, move |msg| {
                let service = self.clone();
                let client = handler_client.clone();
                async move {
                    service
                        .handle(
                            Some(&client),
                            &msg.subject,
                            msg.headers.as_ref(),
                            &msg.payload,
                        )
                        .await
                }
            })
            .await?;
        Ok(())
    }

    /// Handles one request and returns the reply body. Bad input gets an error reply;
    /// a panic in a handler is caught and answered `internal` (see `guard.rs`).
    pub async fn handle(
        &self,
        client: Option<&Client>,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
    ) -> Vec<u8> {
        let result = catch_panic("command", self.dispatch(client, subject, headers, payload)).await;
        if let Err(e) = &result {
            if e.code == "internal" || e.code == "unavailable" {
                tracing::error!(code = e.code, message = %e.message, "command failed");
            }
        }
        reply_body(result)
    }

    async fn dispatch(
        &self,
        client: Option<&Client>,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let (actor, op) = self
            .subjects
            .parse_request("cmd", subject)
            .map_err(|e| CommandError::invalid_request(e.to_string()))?;
        let actor = Actor::parse(actor).map_err(CommandError::from)?;
        refuse_reserved(&actor)?;
        self.rate.check(actor.as_str())?;
        let request_id = headers
            .and_then(|h| h.get(HEADER_REQUEST_ID))
            .map(|v| v.as_str().to_string());
        if let Some(id) = &request_id {
            if id.is_empty() || id.len() > 128 || id.chars().any(|c| c.is_control()) {
                return Err(CommandError::invalid_request(
                    "Leasehold-Request-Id must be 1–128 printable characters",
                ));
            }
        }
        #[cfg(feature = "fault-hooks")]
        if request_id.as_deref() == Some(FAULT_PANIC_REQUEST_ID) {
            panic!("fault hook: a handler panics");
        }
        let req = Request {
            actor,
            payload,
            request_id,
            client,
        };
        match op {
            "connection.create" => self.create_connection(&req).await,
            "connection.rotate" => self.rotate_connection(&req).await,
            "connection.delete" => self.delete_connection(&req).await,
            "secret.create" => self.create_secrets(&req).await,
            "secret.update" => self.update_secret(&req).await,
            "secret.delete" => self.delete_secret(&req).await,
            "lease.create" => self.create_lease(&req).await,
            "lease.renew" => self.renew_lease(&req).await,
            "lease.revoke" => self.revoke_lease(&req).await,
            other => Err(CommandError::new(
                "invalid_request",
                format!(
                    "unknown command {:?}; valid: {}",
                    other.chars().take(64).collect::<String>(),
                    COMMAND_OPS.join(", ")
                ),
                json!({ "valid_ops": COMMAND_OPS }),
            )),
        }
    }

    /// Fails with `forbidden` unless the policy allows `op`.
    pub(crate) fn authorize(
        &self,
        req: &Request<'_>,
        op: &str,
        secret: Option<&str>,
    ) -> Result<(), CommandError> {
        if self.policy.allows(req.actor.as_str(), op, secret) {
            Ok(())
        } else {
            Err(forbidden(req, op, secret))
        }
    }
}

/// The `forbidden` reply for `op` (on `secret`).
pub(crate) fn forbidden(req: &Request<'_>, op: &str, secret: Option<&str>) -> CommandError {
    CommandError::new(
        "forbidden",
        format!(
            "actor {} may not {op}{}; ask an administrator for a policy rule",
            req.actor,
            secret.map(|s| format!(" on {s}")).unwrap_or_default()
        ),
        json!({ "actor": req.actor.as_str(), "op": op, "secret": secret }),
    )
}

/// `invalid_request` for an actor token leasehold reserves (`evt`, `cmd`, …): NATS
/// permissions never grant them, so a request under one is misconfiguration or abuse.
pub fn refuse_reserved(actor: &Actor) -> Result<(), CommandError> {
    if leasehold_bus::is_reserved_actor(actor.as_str()) {
        return Err(CommandError::new(
            "invalid_request",
            format!("actor name {actor} is reserved"),
            json!({ "actor": actor.as_str(), "reserved": leasehold_bus::RESERVED_ACTORS }),
        ));
    }
    Ok(())
}

/// A Graph failure as a reply error (never carries a secret).
pub(crate) fn graph_error(context: &str, e: &GraphError) -> CommandError {
    CommandError::new(
        "graph_error",
        format!("{context}: {}", e.message()),
        json!({
            "kind": e.kind().label(),
            "status": e.status(),
            "code": e.code(),
            "request_id": e.request_id(),
        }),
    )
}
