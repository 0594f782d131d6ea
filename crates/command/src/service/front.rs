//! The front both services share: one serve loop and one admission layer for both
//! subject trees. A request is admitted in this order, the same on `cmd` and `query`:
//! its subject names an actor, the actor is not reserved, a `Leasehold-On-Behalf-Of`
//! header comes from a policy delegate (the actor it names takes the subject actor's
//! place from here on), the actor is within its
//! request rate, its request id (commands) is printable, and the operation is one of
//! the tree's ([`Operation::parse`]). Only then does the service's [`Answer`] run; the
//! policy and the lease quota are checked there, through [`Admission::authorize`] and
//! the command service's quota hold, because they depend on what the payload names.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_nats::{Client, HeaderMap};
use async_trait::async_trait;
use leasehold_api::{ErrorCode, Operation, Permission, Tree};
use leasehold_bus::{
    ServeLoop, Subjects, HEADER_ON_BEHALF_OF, HEADER_ON_BEHALF_OF_ROLES, HEADER_REQUEST_ID,
};
use leasehold_domain::Actor;
use serde_json::{json, Value};

use super::{catch_panic, reply_body, RateLimiter};
use crate::{CommandError, Policy};

/// A request that passed admission.
pub struct Incoming<'a> {
    /// The actor the request is for: the subject's (authenticated by NATS permissions),
    /// or the one a delegate names in `Leasehold-On-Behalf-Of`. The policy applies to it.
    pub actor: Actor,
    /// The delegate (the subject's actor) when it named another actor.
    pub via: Option<Actor>,
    /// Whether the delegate vouched for an app role in `policy.admin_roles`: the actor
    /// is an admin for this request (see [`Admission::for_request`]).
    pub admin_by_role: bool,
    /// The operation of the subject.
    pub op: Operation,
    /// `Leasehold-Request-Id` (commands only).
    pub request_id: Option<String>,
    /// The payload, not yet decoded.
    pub payload: &'a [u8],
    /// The connection the request came on, when served over NATS.
    pub client: Option<&'a Client>,
}

/// A service answering the admitted requests of one subject tree.
#[async_trait]
pub trait Answer: Send + Sync + 'static {
    /// The reply value of one admitted request.
    async fn answer(&self, req: &Incoming<'_>) -> Result<Value, CommandError>;
}

/// The checks every request passes before a service sees it.
#[derive(Clone)]
pub struct Admission {
    subjects: Subjects,
    tree: Tree,
    rate: Option<Arc<RateLimiter>>,
    policy: Arc<Policy>,
}

impl Admission {
    /// Admission on `tree` under `subjects`, with `policy` and an optional rate limit.
    pub fn new(
        subjects: Subjects,
        tree: Tree,
        policy: Arc<Policy>,
        rate: Option<Arc<RateLimiter>>,
    ) -> Self {
        Self {
            subjects,
            tree,
            rate,
            policy,
        }
    }

    /// The admission that applies to `req`: this one, or — when its delegate vouched
    /// for an admin role — one whose policy counts the actor among the admins.
    pub fn for_request(&self, req: &Incoming<'_>) -> Option<Admission> {
        req.admin_by_role.then(|| Admission {
            policy: Arc::new(self.policy.with_admin(req.actor.as_str())),
            ..self.clone()
        })
    }

    /// The subject tree admitted here.
    pub fn tree(&self) -> Tree {
        self.tree
    }

    /// The subject names.
    pub fn subjects(&self) -> &Subjects {
        &self.subjects
    }

    /// The policy that [`Admission::authorize`] applies.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Admits a request on `subject`, or says why not.
    pub fn admit<'a>(
        &self,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &'a [u8],
        client: Option<&'a Client>,
    ) -> Result<Incoming<'a>, CommandError> {
        let (actor, op) = self
            .subjects
            .parse_request(self.tree.token(), subject)
            .map_err(|e| CommandError::invalid_request(e.to_string()))?;
        let actor = Actor::parse(actor).map_err(CommandError::from)?;
        refuse_reserved(&actor)?;
        let (actor, via, admin_by_role) = match on_behalf_of(headers) {
            None => (actor, None, false),
            Some(named) => {
                let named = self.delegated(&actor, named)?;
                let admin = self.policy.grants_admin(&vouched_roles(headers));
                (named, Some(actor), admin)
            }
        };
        if let Some(rate) = &self.rate {
            rate.check(actor.as_str())?;
        }
        let request_id = match self.tree {
            Tree::Command => request_id(headers)?,
            Tree::Query => None,
        };
        let op = Operation::parse(self.tree, op)
            .map_err(|e| CommandError::new(ErrorCode::InvalidRequest, e.message(), e.details()))?;
        Ok(Incoming {
            actor,
            via,
            admin_by_role,
            op,
            request_id,
            payload,
            client,
        })
    }

    /// The actor `delegate` names, if the policy lets it name one: `forbidden` for any
    /// actor not in `policy.delegates` (NATS authenticates only the subject's actor, so
    /// anyone else naming an actor would be claiming to be it).
    fn delegated(&self, delegate: &Actor, named: &str) -> Result<Actor, CommandError> {
        if !self.policy.is_delegate(delegate.as_str()) {
            return Err(CommandError::new(
                ErrorCode::Forbidden,
                format!(
                    "actor {delegate} may not act on behalf of other actors; only the \
                     delegates the policy lists may send {HEADER_ON_BEHALF_OF}"
                ),
                json!({ "actor": delegate.as_str(), "op": "delegate" }),
            ));
        }
        let named = Actor::parse(named)
            .map_err(|e| CommandError::from(e.with_field(HEADER_ON_BEHALF_OF)))?;
        if named.is_system() {
            return Err(CommandError::invalid_request(format!(
                "{HEADER_ON_BEHALF_OF} may not name a system actor"
            )));
        }
        refuse_reserved(&named)?;
        Ok(named)
    }

    /// Fails with `forbidden` unless the policy grants `actor` the permission (on
    /// `secret`). Commands and queries word the refusal as they always did.
    pub fn authorize(
        &self,
        actor: &Actor,
        permission: impl Into<Permission>,
        secret: Option<&str>,
    ) -> Result<(), CommandError> {
        let permission = permission.into();
        if self
            .policy
            .allows(actor.as_str(), permission.name(), secret)
        {
            Ok(())
        } else {
            Err(self.forbidden(actor, permission, secret))
        }
    }

    /// The `forbidden` refusal of `permission` (on `secret`).
    pub fn forbidden(
        &self,
        actor: &Actor,
        permission: Permission,
        secret: Option<&str>,
    ) -> CommandError {
        let op = permission.name();
        match self.tree {
            Tree::Command => CommandError::new(
                ErrorCode::Forbidden,
                format!(
                    "actor {actor} may not {op}{}; ask an administrator for a policy rule",
                    secret.map(|s| format!(" on {s}")).unwrap_or_default()
                ),
                json!({ "actor": actor.as_str(), "op": op, "secret": secret }),
            ),
            Tree::Query => CommandError::new(
                ErrorCode::Forbidden,
                format!("{actor} may not run {op} here"),
                json!({ "actor": actor.as_str(), "op": op }),
            ),
        }
    }

    /// Admits and answers one request: the reply body, `{"ok": …}` or `{"error": …}`.
    /// A panic in the service is answered `internal` (see `guard.rs`).
    pub async fn respond<A: Answer + ?Sized>(
        &self,
        service: &A,
        client: Option<&Client>,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
    ) -> Vec<u8> {
        let label = match self.tree {
            Tree::Command => "command",
            Tree::Query => "query",
        };
        let started = Instant::now();
        let admitted = OnceLock::new();
        let result = catch_panic(label, async {
            let req = self.admit(subject, headers, payload, client)?;
            let _ = admitted.set(req.op);
            service.answer(&req).await
        })
        .await;
        if let Err(e) = &result {
            if e.code.is_server_side() {
                tracing::error!(code = %e.code, message = %e.message, "{label} failed");
            }
        }
        count(admitted.get().copied(), &result, started.elapsed());
        reply_body(result)
    }

    /// Serves the tree with `service` until `shutdown` resolves, then finishes the
    /// requests in flight. Replies go only to the requester's own inbox (see
    /// [`leasehold_bus::serve`]).
    pub async fn serve<A: Answer>(
        self,
        service: Arc<A>,
        client: Client,
        queue_group: &'static str,
        max_in_flight: usize,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), async_nats::SubscribeError> {
        // A command's effect is the point even when nobody reads the answer.
        let handle_without_reply = self.tree == Tree::Command;
        let serve = ServeLoop {
            subjects: self.subjects.clone(),
            kind: self.tree,
            queue_group,
            max_in_flight,
            handle_without_reply,
        };
        let admission = Arc::new(self);
        let handler_client = client.clone();
        serve
            .run(client, shutdown, move |msg| {
                let admission = Arc::clone(&admission);
                let service = Arc::clone(&service);
                let client = handler_client.clone();
                async move {
                    admission
                        .respond(
                            service.as_ref(),
                            Some(&client),
                            &msg.subject,
                            msg.headers.as_ref(),
                            &msg.payload,
                        )
                        .await
                }
            })
            .await
    }
}

/// Counts a reply by operation and code, and times successful `lease.create` replies.
fn count(op: Option<Operation>, result: &Result<Value, CommandError>, took: Duration) {
    let telemetry = leasehold_telemetry::global();
    let code = match result {
        Ok(_) => "ok",
        Err(e) => e.code.as_str(),
    };
    telemetry.request(op.map_or("unknown", Operation::name), code);
    if op == Some(Operation::LeaseCreate) && result.is_ok() {
        telemetry.issue_duration.observe(took.as_secs_f64());
    }
}

/// The `Leasehold-On-Behalf-Of` header, if any.
fn on_behalf_of(headers: Option<&HeaderMap>) -> Option<&str> {
    headers
        .and_then(|h| h.get(HEADER_ON_BEHALF_OF))
        .map(|v| v.as_str())
}

/// The roles of `Leasehold-On-Behalf-Of-Roles` (comma-separated), if any.
fn vouched_roles(headers: Option<&HeaderMap>) -> Vec<&str> {
    headers
        .and_then(|h| h.get(HEADER_ON_BEHALF_OF_ROLES))
        .map(|v| v.as_str().split(',').map(str::trim).collect())
        .unwrap_or_default()
}

/// The `Leasehold-Request-Id` header, if any: 1–128 printable characters.
fn request_id(headers: Option<&HeaderMap>) -> Result<Option<String>, CommandError> {
    let id = headers
        .and_then(|h| h.get(HEADER_REQUEST_ID))
        .map(|v| v.as_str().to_string());
    if let Some(id) = &id {
        if id.is_empty() || id.len() > 128 || id.chars().any(|c| c.is_control()) {
            return Err(CommandError::invalid_request(
                "Leasehold-Request-Id must be 1–128 printable characters",
            ));
        }
    }
    Ok(id)
}

/// `invalid_request` for an actor token leasehold reserves (`evt`, `cmd`, …): NATS
/// permissions never grant them, so a request under one is misconfiguration or abuse.
pub fn refuse_reserved(actor: &Actor) -> Result<(), CommandError> {
    if leasehold_bus::is_reserved_actor(actor.as_str()) {
        return Err(CommandError::new(
            ErrorCode::InvalidRequest,
            format!("actor name {actor} is reserved"),
            json!({ "actor": actor.as_str(), "reserved": leasehold_bus::RESERVED_ACTORS }),
        ));
    }
    Ok(())
}
