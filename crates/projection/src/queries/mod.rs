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
mod health;
mod leases;
mod limits;
mod read;
mod request;
mod service;
mod users;
mod views;

use std::sync::Arc;

use async_trait::async_trait;
use leasehold_api::{ErrorCode, Operation, Tree};
use leasehold_bus::Subjects;
use leasehold_command::service::{Admission, Answer, Incoming};
use leasehold_command::{CommandError, Commands, Policy};
use leasehold_domain::Actor;
use serde_json::Value;
use sqlx::PgPool;

pub use directory::{DirectoryUser, TenantAccess, UserDirectory};
pub use request::{DEFAULT_LIMIT, MAX_LIMIT, MAX_PAYLOAD};
pub use service::QUEUE_GROUP;

/// Answers queries; cheap to share behind an `Arc`.
pub struct QueryService {
    pool: PgPool,
    commands: Arc<Commands>,
    directory: Arc<dyn UserDirectory>,
    /// Subject parsing, reserved actors, the per-actor rate (see `limits.rs`) and the
    /// policy: the same admission as the command service's.
    admission: Admission,
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
            admission: Admission::new(subjects, Tree::Query, Arc::new(policy), None),
        }
    }

    /// Answers one query `op` from `actor` (the subject token, already authenticated by
    /// NATS) with a reply body: `{"ok": …}` or `{"error": {code, message, details}}`. A
    /// panic in a handler is answered `internal` and logged; the credential a
    /// `lease.get` reply may carry is wiped from the result once encoded.
    pub async fn handle(&self, actor: &str, op: &str, payload: &[u8]) -> Vec<u8> {
        let subject = self.admission.subjects().query(actor, op);
        self.admission
            .respond(self, None, &subject, None, payload)
            .await
    }

    /// The authorisation policy.
    fn policy(&self) -> &Policy {
        self.admission.policy()
    }

    /// `forbidden` unless `allowed`.
    fn require(&self, allowed: bool, actor: &Actor, op: Operation) -> Result<(), CommandError> {
        if allowed {
            Ok(())
        } else {
            Err(self.admission.forbidden(actor, op.into(), None))
        }
    }
}

#[async_trait]
impl Answer for QueryService {
    async fn answer(&self, req: &Incoming<'_>) -> Result<Value, CommandError> {
        match self.admission.for_request(req) {
            Some(admission) => {
                let view = QueryService {
                    pool: self.pool.clone(),
                    commands: Arc::clone(&self.commands),
                    directory: Arc::clone(&self.directory),
                    admission,
                };
                view.dispatch(req).await
            }
            None => self.dispatch(req).await,
        }
    }
}

impl QueryService {
    /// Runs the operation of an admitted request.
    async fn dispatch(&self, req: &Incoming<'_>) -> Result<Value, CommandError> {
        let (actor, payload) = (&req.actor, req.payload);
        match req.op {
            Operation::ConnectionGet => self.connection_get(actor, payload).await,
            Operation::ConnectionList => self.connection_list(actor, payload).await,
            Operation::ConnectionCheck => self.connection_check(actor, payload).await,
            Operation::SecretGet => self.secret_get(actor, payload).await,
            Operation::SecretList => self.secret_list(actor, payload).await,
            Operation::LeaseGet => self.lease_get(actor, payload).await,
            Operation::LeaseList => self.lease_list(actor, payload).await,
            Operation::UsersList => self.users_list(actor, payload).await,
            Operation::AuditHistory => self.audit_history(actor, payload).await,
            Operation::AuditAt => self.audit_at(actor, payload).await,
            Operation::AuditExport => self.audit_export(actor, payload).await,
            Operation::AuditVerify => self.audit_verify(actor, payload).await,
            Operation::AuditAnchor => self.audit_anchor(actor, payload).await,
            // Admission parses only the query tree's operations here.
            command => Err(CommandError::new(
                ErrorCode::Internal,
                format!("{command} reached the query service"),
                serde_json::json!({}),
            )),
        }
    }
}
