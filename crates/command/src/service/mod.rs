//! The NATS command service: request/reply on `<prefix>.cmd.<actor>.<noun>.<verb>` in a
//! queue group, so any number of copies can serve.

mod app_checks;
mod bulk_revoke;
mod connection_ops;
mod front;
mod guard;
mod input;
mod lease_ops;
mod limits;
mod quota;
mod secret_ops;
mod tap_checks;
mod views;

use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, HeaderMap};
use async_trait::async_trait;
use leasehold_api::{ErrorCode, Operation, Permission, Tree};
use leasehold_bus::Subjects;
use leasehold_domain::Actor;
use leasehold_graph::{GraphClient, GraphError};
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::{CommandError, Commands, Meta, Policy};

pub use app_checks::missing as missing_grants;
pub use front::{refuse_reserved, Admission, Answer, Incoming};
pub use guard::{catch_panic, reply_body, wipe_strings};
pub use input::{clip, decode, MAX_PAYLOAD};
pub use limits::{RateLimit, RateLimiter, ServiceLimits};
pub use tap_checks::MANAGE_METHODS as PASS_PERMISSIONS;

/// Queue group shared by every copy of the command service.
pub const QUEUE_GROUP: &str = "leasehold-command";

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
    pub(crate) admission: Admission,
    pub(crate) config: ServiceConfig,
    pub(crate) quota_slots: Arc<Semaphore>,
}

/// One request as the handlers see it.
pub(crate) struct Request<'a> {
    pub actor: Actor,
    pub payload: &'a [u8],
    pub request_id: Option<String>,
    pub client: Option<&'a Client>,
    pub via: Option<Actor>,
}

impl Request<'_> {
    /// Metadata for commands run on behalf of this request, timed now.
    pub fn meta(&self) -> Meta {
        Meta::new(self.actor.clone(), chrono::Utc::now())
            .with_request_id(self.request_id.clone())
            .with_via(self.via.clone())
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
        let rate = Arc::new(RateLimiter::new(config.limits.rate));
        Self {
            commands,
            graph,
            admission: Admission::new(subjects, Tree::Command, Arc::new(policy), Some(rate)),
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
        let admission = self.admission.clone();
        let max_in_flight = self.config.max_in_flight;
        admission
            .serve(Arc::new(self), client, QUEUE_GROUP, max_in_flight, shutdown)
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
        self.admission
            .respond(self, client, subject, headers, payload)
            .await
    }

    /// Fails with `forbidden` unless the policy allows `permission` (on `secret`).
    pub(crate) fn authorize(
        &self,
        req: &Request<'_>,
        permission: impl Into<Permission>,
        secret: Option<&str>,
    ) -> Result<(), CommandError> {
        self.admission.authorize(&req.actor, permission, secret)
    }
}

#[async_trait]
impl Answer for CommandService {
    async fn answer(&self, incoming: &Incoming<'_>) -> Result<Value, CommandError> {
        if let Some(admission) = self.admission.for_request(incoming) {
            let mut view = self.clone();
            view.admission = admission;
            return view.dispatch(incoming).await;
        }
        self.dispatch(incoming).await
    }
}

impl CommandService {
    /// Runs the operation of an admitted request.
    async fn dispatch(&self, incoming: &Incoming<'_>) -> Result<Value, CommandError> {
        #[cfg(feature = "fault-hooks")]
        if incoming.request_id.as_deref() == Some(FAULT_PANIC_REQUEST_ID) {
            panic!("fault hook: a handler panics");
        }
        let req = Request {
            actor: incoming.actor.clone(),
            payload: incoming.payload,
            request_id: incoming.request_id.clone(),
            client: incoming.client,
            via: incoming.via.clone(),
        };
        match incoming.op {
            Operation::ConnectionCreate => self.create_connection(&req).await,
            Operation::ConnectionRotate => self.rotate_connection(&req).await,
            Operation::ConnectionDelete => self.delete_connection(&req).await,
            Operation::SecretCreate => self.create_secrets(&req).await,
            Operation::SecretUpdate => self.update_secret(&req).await,
            Operation::SecretDelete => self.delete_secret(&req).await,
            Operation::LeaseCreate => self.create_lease(&req).await,
            Operation::LeaseRenew => self.renew_lease(&req).await,
            Operation::LeaseRevoke => self.revoke_lease(&req).await,
            // Admission parses only the command tree's operations here.
            query => Err(CommandError::internal(format!(
                "{query} reached the command service"
            ))),
        }
    }
}

/// The `forbidden` reply for `permission` (on `secret`).
pub(crate) fn forbidden(
    service: &CommandService,
    req: &Request<'_>,
    permission: impl Into<Permission>,
    secret: Option<&str>,
) -> CommandError {
    service
        .admission
        .forbidden(&req.actor, permission.into(), secret)
}

/// A Graph failure as a reply error (never carries a secret).
pub(crate) fn graph_error(context: &str, e: &GraphError) -> CommandError {
    CommandError::new(
        ErrorCode::GraphError,
        format!("{context}: {}", e.message()),
        json!({
            "kind": e.kind().label(),
            "status": e.status(),
            "code": e.code(),
            "request_id": e.request_id(),
        }),
    )
}
