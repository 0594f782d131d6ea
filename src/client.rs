//! A small client of leasehold's NATS API, used by the CLI and the demo.

use std::sync::Arc;
use std::time::Duration;

use async_nats::HeaderMap;
use leasehold_api::{ErrorBody, ErrorCode, Operation, Reply, Tree};
use leasehold_bus::{Subjects, HEADER_ON_BEHALF_OF, HEADER_ON_BEHALF_OF_ROLES, HEADER_REQUEST_ID};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What a confirmed revocation means, in the words of the CLI and the demo.
pub const REVOCATION_CONFIRMED: &str = "Entra confirmed it: the user has a new password \
                                        nobody knows and no sessions, so the old password \
                                        no longer works";

/// An error reply, or a transport failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// leasehold answered with an error code.
    #[error("{code}: {message}")]
    Refused {
        /// The documented code.
        code: ErrorCode,
        /// The message.
        message: String,
        /// Structured details.
        details: Value,
    },
    /// No answer (no engine serving this prefix, or NATS trouble).
    #[error(
        "no answer on {subject}: {reason}. Is `leasehold serve` running with prefix {prefix:?}?"
    )]
    NoAnswer {
        /// The subject asked.
        subject: String,
        /// The prefix in use.
        prefix: String,
        /// Why.
        reason: String,
    },
    /// The reply was not a leasehold reply.
    #[error("malformed reply on {0}")]
    Malformed(String),
}

impl ApiError {
    /// The error code, when leasehold refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// Sees the body of every reply a client receives, with the tree and the operation name
/// it answers (for tests that check replies against `docs/schema/`, or for tracing).
pub type ReplyObserver = Arc<dyn Fn(Tree, &str, &[u8]) + Send + Sync>;

/// Speaks the API as one actor.
#[derive(Clone)]
pub struct ApiClient {
    nats: async_nats::Client,
    subjects: Subjects,
    actor: String,
    /// The actor named in `Leasehold-On-Behalf-Of` when this client is a delegate's.
    on_behalf_of: Option<String>,
    /// The app roles vouched for in `Leasehold-On-Behalf-Of-Roles`.
    vouched_roles: Vec<String>,
    timeout: Duration,
    observer: Option<ReplyObserver>,
}

impl ApiClient {
    /// A client for `actor` under `subjects`.
    pub fn new(nats: async_nats::Client, subjects: Subjects, actor: &str) -> Self {
        Self {
            nats,
            subjects,
            actor: actor.to_string(),
            on_behalf_of: None,
            vouched_roles: Vec::new(),
            timeout: Duration::from_secs(30),
            observer: None,
        }
    }

    /// The same client (and every client derived from it with [`ApiClient::as_actor`])
    /// showing each reply body to `observer`.
    pub fn observe_replies(mut self, observer: ReplyObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The actor this client speaks as (on NATS).
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// How long each request waits for its answer.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The same client waiting at most `timeout` for each answer (default 30 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects to `url` (credentials may be in it) as `actor`, with replies on the
    /// actor's own inbox prefix `_INBOX_<actor>`, which NATS permissions can reserve to
    /// that user (see `deploy/nats/leasehold.conf`).
    pub async fn connect_as(
        url: &str,
        subjects: Subjects,
        actor: &str,
    ) -> Result<Self, leasehold_bus::BusError> {
        let inbox = leasehold_bus::actor_inbox_prefix(actor);
        let nats =
            leasehold_bus::connect_with_inbox(url, &format!("leasehold-{actor}"), Some(&inbox))
                .await?;
        Ok(Self::new(nats, subjects, actor))
    }

    /// The same client for another actor.
    pub fn as_actor(&self, actor: &str) -> Self {
        let mut c = self.clone();
        c.actor = actor.to_string();
        c
    }

    /// The same client asking on behalf of `actor` (header `Leasehold-On-Behalf-Of`):
    /// the engine honours it only when this client's actor is a policy delegate, and
    /// still replies only to this client's own inbox.
    pub fn on_behalf_of(&self, actor: &str) -> Self {
        let mut c = self.clone();
        c.on_behalf_of = Some(actor.to_string());
        c
    }

    /// The same delegate's client also vouching that the actor holds `roles` (Entra app
    /// roles; those in `policy.admin_roles` make it an admin for the request). Roles
    /// that cannot travel in a header (a comma, a control or non-ASCII character) are
    /// left out.
    pub fn vouching_roles(&self, roles: &[String]) -> Self {
        let mut c = self.clone();
        c.vouched_roles = roles
            .iter()
            .filter(|r| !r.is_empty() && r.chars().all(|ch| ch.is_ascii_graphic() && ch != ','))
            .cloned()
            .collect();
        c
    }

    /// The id of each lease an event is published for from now on (the relay's
    /// `<prefix>.evt.Lease.<id>.<type>` subjects), for change feeds. Needs subscribe
    /// permission on those subjects.
    pub async fn lease_events(
        &self,
    ) -> Result<
        std::pin::Pin<Box<dyn futures::Stream<Item = String> + Send>>,
        async_nats::SubscribeError,
    > {
        use futures::StreamExt as _;
        let subject = self.subjects.aggregate_events("Lease", "*");
        let subscriber = self.nats.subscribe(subject).await?;
        // Let the server register the interest before the caller relies on it.
        let _ = self.nats.flush().await;
        Ok(Box::pin(subscriber.filter_map(|message| async move {
            message
                .subject
                .as_str()
                .split('.')
                .rev()
                .nth(1)
                .map(String::from)
        })))
    }

    /// Sends `op` on its subject tree (commands on `cmd`, queries on `query`).
    pub async fn send(&self, op: Operation, payload: &Value) -> Result<Value, ApiError> {
        self.call(op.tree(), op.name(), payload, None).await
    }

    /// Sends command `op`.
    pub async fn command(&self, op: Operation, payload: &Value) -> Result<Value, ApiError> {
        self.send(op, payload).await
    }

    /// Sends command `op` with a request id (idempotency key).
    pub async fn command_with_id(
        &self,
        op: Operation,
        payload: &Value,
        request_id: &str,
    ) -> Result<Value, ApiError> {
        self.call(op.tree(), op.name(), payload, Some(request_id))
            .await
    }

    /// Sends query `op`.
    pub async fn query(&self, op: Operation, payload: &Value) -> Result<Value, ApiError> {
        self.send(op, payload).await
    }

    /// Sends query `op` and decodes its result as `T`, the operation's result type in
    /// `leasehold_api` (e.g. [`leasehold_api::HistoryPage`] for `audit.history`).
    pub async fn query_as<T: DeserializeOwned>(
        &self,
        op: Operation,
        payload: &Value,
    ) -> Result<T, ApiError> {
        let result = self.query(op, payload).await?;
        // Only the operation is named: a result may carry a credential.
        serde_json::from_value(result).map_err(|_| ApiError::Malformed(op.name().to_string()))
    }

    /// Sends a request under any operation name on `tree`, known or not: for probing
    /// what the engine answers to names that are not operations.
    pub async fn send_raw(
        &self,
        tree: Tree,
        name: &str,
        payload: &Value,
    ) -> Result<Value, ApiError> {
        self.call(tree, name, payload, None).await
    }

    fn subject(&self, tree: Tree, name: &str) -> String {
        match tree {
            Tree::Command => self.subjects.command(&self.actor, name),
            Tree::Query => self.subjects.query(&self.actor, name),
        }
    }

    async fn call(
        &self,
        tree: Tree,
        name: &str,
        payload: &Value,
        request_id: Option<&str>,
    ) -> Result<Value, ApiError> {
        let subject = self.subject(tree, name);
        let mut headers = HeaderMap::new();
        if let Some(id) = request_id {
            headers.insert(HEADER_REQUEST_ID, id);
        }
        if let Some(actor) = &self.on_behalf_of {
            headers.insert(HEADER_ON_BEHALF_OF, actor.as_str());
            if !self.vouched_roles.is_empty() {
                headers.insert(HEADER_ON_BEHALF_OF_ROLES, self.vouched_roles.join(","));
            }
        }
        let body = serde_json::to_vec(payload).unwrap_or_default();
        // The reply subject is always this actor's own inbox: the services answer
        // nowhere else, whatever inbox prefix the connection has.
        let reply = leasehold_bus::request_as(
            &self.nats,
            &self.actor,
            subject.clone(),
            Some(headers),
            body.into(),
            self.timeout,
        )
        .await
        .map_err(|e| ApiError::NoAnswer {
            subject: subject.clone(),
            prefix: self.subjects.prefix().to_string(),
            reason: e.to_string(),
        })?;
        if let Some(observer) = &self.observer {
            observer(tree, name, &reply.payload);
        }
        match serde_json::from_slice::<Reply<Value>>(&reply.payload) {
            Ok(Reply::Ok(v)) => Ok(v),
            Ok(Reply::Error(ErrorBody {
                code,
                message,
                details,
            })) => Err(ApiError::Refused {
                code,
                message,
                details,
            }),
            Err(_) => Err(ApiError::Malformed(subject)),
        }
    }
}
