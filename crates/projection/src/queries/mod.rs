//! The query service: NATS request/reply on `<prefix>.query.<actor>.<noun>.<verb>`,
//! answered from the read models (and, for `users.list`, the tenant's directory).
//!
//! Reads are eventually consistent with commands: a row appears once the projector has
//! applied its event; `lease.get` and `lease.list` first wait briefly for the caller's own
//! recent lease changes (`fresh.rs`). Credentials are the exception: `lease.get` with `credentials`
//! opens them from the event store, so a just-activated lease already has them.

mod audit;
mod catalog;
mod directory;
mod fresh;
mod leases;
mod limits;
mod read;
mod request;
mod service;
mod users;
mod views;

use std::sync::Arc;

use leasehold_bus::Subjects;
use leasehold_command::service::{catch_panic, reply_body};
use leasehold_command::{CommandError, Commands, Policy};
use leasehold_domain::Actor;
use serde_json::{json, Value};
use sqlx::PgPool;

pub use directory::{DirectoryUser, UserDirectory};
pub use request::{DEFAULT_LIMIT, MAX_LIMIT, MAX_PAYLOAD};
pub use service::QUEUE_GROUP;

/// Every query operation, as the `<noun>.<verb>` tail of the subject.
pub const QUERY_OPS: &[&str] = &[
    "connection.get",
    "connection.list",
    "secret.get",
    "secret.list",
    "lease.get",
    "lease.list",
    "users.list",
    "audit.history",
    "audit.at",
    "audit.export",
    "audit.verify",
    "audit.anchor",
];

/// Answers queries; cheap to share behind an `Arc`.
pub struct QueryService {
    pool: PgPool,
    commands: Arc<Commands>,
    directory: Arc<dyn UserDirectory>,
    policy: Policy,
    subjects: Subjects,
    /// Per-actor request rate; see `limits.rs`.
    rate: Option<Arc<leasehold_command::service::RateLimiter>>,
}

impl QueryService {
    /// A query service reading `pool`, opening credentials through `commands`, listing
    /// users through `directory`, authorising with `policy`, listening under `subjects`.
    pub fn new(
        pool: PgPool,
        commands: Arc<Commands>,
        directory: Arc<dyn UserDirectory>,
        policy: Policy,
        subjects: Subjects,
    ) -> Self {
        Self {
            pool,
            commands,
            directory,
            policy,
            subjects,
            rate: None,
        }
    }

    /// Answers one query from `actor` (the subject token, already authenticated by NATS)
    /// with a reply body: `{"ok": …}` or `{"error": {code, message, details}}`. A panic
    /// in a handler is answered `internal` and logged; the credential a `lease.get`
    /// reply may carry is wiped from the result once encoded.
    pub async fn handle(&self, actor: &str, op: &str, payload: &[u8]) -> Vec<u8> {
        reply_body(catch_panic("query", self.answer(actor, op, payload)).await)
    }

    async fn answer(&self, actor: &str, op: &str, payload: &[u8]) -> Result<Value, CommandError> {
        let actor = Actor::parse(actor).map_err(CommandError::from)?;
        self.admit(&actor)?;
        match op {
            "connection.get" => self.connection_get(&actor, payload).await,
            "connection.list" => self.connection_list(&actor, payload).await,
            "secret.get" => self.secret_get(&actor, payload).await,
            "secret.list" => self.secret_list(&actor, payload).await,
            "lease.get" => self.lease_get(&actor, payload).await,
            "lease.list" => self.lease_list(&actor, payload).await,
            "users.list" => self.users_list(&actor, payload).await,
            "audit.history" => self.audit_history(&actor, payload).await,
            "audit.at" => self.audit_at(&actor, payload).await,
            "audit.export" => self.audit_export(&actor, payload).await,
            "audit.verify" => self.audit_verify(&actor, payload).await,
            "audit.anchor" => self.audit_anchor(&actor, payload).await,
            other => Err(CommandError::new(
                "invalid_request",
                format!(
                    "unknown query operation {:?}; valid operations: {}",
                    other.chars().take(100).collect::<String>(),
                    QUERY_OPS.join(", ")
                ),
                json!({ "valid_ops": QUERY_OPS }),
            )),
        }
    }

    /// `forbidden` unless `allowed`.
    fn require(&self, allowed: bool, actor: &Actor, op: &str) -> Result<(), CommandError> {
        if allowed {
            Ok(())
        } else {
            Err(CommandError::new(
                "forbidden",
                format!("{actor} may not run {op} here"),
                json!({ "actor": actor.as_str(), "op": op }),
            ))
        }
    }
}
