//! `lease.create|renew|revoke`.

use std::time::Duration;

use futures::StreamExt;
use leasehold_api::events::{AggregateType, LeaseEventType};
use leasehold_api::{
    CreateStatus, Credential, ErrorCode, LeaseCreated, LeaseRenewed, LeaseRevoked, Operation,
    Permission,
};
use leasehold_bus::EventMessage;
use leasehold_domain::{Lease, LeaseEvent, LeaseId, LeaseStatus, RevocationReason, SecretName};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use super::input::{decode, opt_ttl, CreateLease, RenewLease, RevokeLease};
use super::views::{self, value};
use super::{CommandService, Request};
use crate::CommandError;

/// Fails unless `lease` was requested by `req`'s actor, on `secret`, with `req`'s
/// request id (all from the lease's own events).
fn check_retry_owns(
    lease: &Lease,
    req: &Request<'_>,
    secret: &SecretName,
) -> Result<(), CommandError> {
    let owns = lease.requested_by() == Some(&req.actor)
        && lease.secret() == Some(secret)
        && req.request_id.is_some()
        && lease.request_id() == req.request_id.as_deref();
    if owns {
        return Ok(());
    }
    tracing::warn!(actor = %req.actor, "a request id pointed at a lease the actor did not request");
    Err(CommandError::new(
        ErrorCode::InvalidRequest,
        "this request id is bound to a lease that this request did not make",
        json!({ "request_id": req.request_id }),
    ))
}

impl CommandService {
    pub(super) async fn create_lease(&self, req: &Request<'_>) -> Result<Value, CommandError> {
        let input: CreateLease = decode(req.payload)?;
        let secret = SecretName::parse(&input.secret).map_err(|e| e.with_field("secret"))?;
        self.authorize(req, Operation::LeaseCreate, Some(secret.as_str()))?;
        let ttl = opt_ttl(&input.ttl, "ttl")?;
        let lease_id = match &req.request_id {
            Some(rid) => self.claim_request_id(req, rid, &secret).await?,
            None => new_lease_id()?,
        };
        // Subscribe before the append so the activation event cannot be missed.
        let events = match req.client {
            Some(client) => client
                .subscribe(
                    self.admission
                        .subjects()
                        .aggregate_events(AggregateType::Lease.as_str(), &lease_id.to_string()),
                )
                .await
                .ok(),
            None => None,
        };
        // The lease is loaded once: a retried request id may name one that exists.
        let existing = self.commands.leases.load_versioned(&lease_id).await?;
        let quota = self.hold_quota(req, &existing.state).await?;
        let done = self
            .commands
            .request_lease_from(&secret, lease_id, existing, ttl, &req.meta())
            .await;
        quota.release().await;
        let done = done?;
        if done.events.is_empty() {
            // An existing lease answers a retried request id only if the event store says
            // this actor asked for it, on this secret, with this id: the `lease_requests`
            // row that pointed here is just a table, and must not hand anyone's lease out.
            check_retry_owns(&done.state, req, &secret)?;
        }
        let state = if done.state.status() == Some(LeaseStatus::Requested) {
            // The state just appended, with its sequence, is where the events we wait for
            // follow on (unknown for a retry that appended nothing: then loaded).
            let after = done.events.last().map(|e| (done.state, e.sequence));
            self.wait_for_activation(events, &lease_id, after, self.config.activation_wait)
                .await?
        } else {
            done.state
        };
        #[cfg(feature = "fault-hooks")]
        if req
            .request_id
            .as_deref()
            .is_some_and(|id| id.starts_with(super::FAULT_END_BEFORE_REPLY))
        {
            let _ = self
                .commands
                .revoke_lease(&lease_id, RevocationReason::Manual, true, &req.meta())
                .await;
        }
        self.lease_reply(&lease_id, &state).await
    }

    pub(super) async fn renew_lease(&self, req: &Request<'_>) -> Result<Value, CommandError> {
        let input: RenewLease = decode(req.payload)?;
        let lease_id = LeaseId::parse(&input.lease_id).map_err(|e| e.with_field("lease_id"))?;
        let increment = opt_ttl(&input.ttl, "ttl")?;
        let lease = self
            .authorize_lease(req, Operation::LeaseRenew, &lease_id)
            .await?;
        self.authorize_other_actors(req, Permission::RenewAny, &lease)?;
        let meta = req.meta();
        // A Temporary Access Pass lease is never renewed: the aggregate says so (ADR 0016).
        let pass = lease.credential_kind().is_some_and(|k| k.is_tap());
        if !input.shorten && !pass {
            if let Some(kept) = keep_longer_expiry(&lease, increment, &meta)? {
                return Ok(kept);
            }
        }
        let done = self
            .commands
            .renew_lease(&lease_id, increment, &meta)
            .await?;
        let capped = done
            .events
            .iter()
            .any(|e| matches!(e.payload, LeaseEvent::LeaseRenewed { capped: true, .. }));
        let (Some(lease), Some(expires_at)) =
            (views::lease_view(&done.state), done.state.expires_at())
        else {
            return Err(CommandError::not_found("lease", &lease_id.to_string()));
        };
        Ok(value(&LeaseRenewed {
            lease,
            expires_at,
            capped,
        }))
    }

    pub(super) async fn revoke_lease(&self, req: &Request<'_>) -> Result<Value, CommandError> {
        let input: RevokeLease = decode(req.payload)?;
        if input.is_bulk() {
            return self.revoke_bulk(req, input).await;
        }
        let lease_id = match (&input.lease_id, &input.secret) {
            (Some(id), None) => LeaseId::parse(id).map_err(|e| e.with_field("lease_id"))?,
            (None, Some(name)) => {
                let name = SecretName::parse(name).map_err(|e| e.with_field("secret"))?;
                self.authorize(req, Operation::LeaseRevoke, Some(name.as_str()))?;
                let secret = self.commands.secrets.load(&name).await?;
                if secret.definition().is_none() {
                    return Err(CommandError::not_found("secret", name.as_str()));
                }
                match secret.live_lease() {
                    Some(live) => live.lease_id,
                    None => {
                        return Ok(value(&LeaseRevoked {
                            lease: None,
                            secret: Some(name.to_string()),
                            revoked: Vec::new(),
                        }))
                    }
                }
            }
            _ => {
                return Err(CommandError::invalid_request(
                    "give exactly one of lease_id or secret",
                ))
            }
        };
        let lease = self
            .authorize_lease(req, Operation::LeaseRevoke, &lease_id)
            .await?;
        self.authorize_other_actors(req, Permission::RevokeAny, &lease)?;
        if input.force {
            // Forcing closes the lease without Graph's confirmation: an operator's power.
            self.authorize(
                req,
                Permission::ForceRevoke,
                lease.secret().map(|s| s.as_str()),
            )?;
        }
        let done = self
            .commands
            .revoke_lease(
                &lease_id,
                RevocationReason::Manual,
                input.force,
                &req.meta(),
            )
            .await?;
        Ok(value(&LeaseRevoked {
            lease: views::lease_view(&done.state),
            secret: None,
            revoked: vec![lease_id.to_string()],
        }))
    }

    async fn authorize_lease(
        &self,
        req: &Request<'_>,
        op: Operation,
        lease_id: &LeaseId,
    ) -> Result<Lease, CommandError> {
        let lease = self.commands.leases.load(lease_id).await?;
        let Some(secret) = lease.secret() else {
            return Err(CommandError::not_found("lease", &lease_id.to_string()));
        };
        self.authorize(req, op, Some(secret.as_str()))?;
        Ok(lease)
    }

    /// Acting on a lease another actor requested needs the explicit grant `op`
    /// (`lease.renew_any`, `lease.revoke_any`) or admin rights: `lease.*` on a secret lets
    /// an actor lease it, not take over everybody's leases of it.
    fn authorize_other_actors(
        &self,
        req: &Request<'_>,
        permission: Permission,
        lease: &Lease,
    ) -> Result<(), CommandError> {
        if lease.requested_by() == Some(&req.actor) {
            return Ok(());
        }
        self.authorize(req, permission, lease.secret().map(|s| s.as_str()))
    }

    /// The lease id bound to `(actor, request id)`, binding a new one if it is unused.
    async fn claim_request_id(
        &self,
        req: &Request<'_>,
        request_id: &str,
        secret: &SecretName,
    ) -> Result<LeaseId, CommandError> {
        let candidate = new_lease_id()?;
        let (bound_secret, lease_id) = self
            .commands
            .store()
            .bind_request_id(&req.actor, request_id, secret, candidate)
            .await
            .map_err(|e| CommandError::unavailable(e.to_string()))?;
        if &bound_secret != secret {
            return Err(CommandError::new(
                ErrorCode::InvalidRequest,
                format!("request id {request_id} was already used for secret {bound_secret}"),
                json!({ "request_id": request_id, "secret": bound_secret.as_str() }),
            ));
        }
        Ok(lease_id)
    }

    /// Waits until the lease is activated (or fails, or is revoked) or `wait` passes. The
    /// state comes from the events received meanwhile, applied to `after` (the state and
    /// sequence the request appended); it is loaded only when they do not follow on from
    /// it without a gap or none settled the request.
    async fn wait_for_activation(
        &self,
        events: Option<async_nats::Subscriber>,
        lease_id: &LeaseId,
        after: Option<(Lease, usize)>,
        wait: Duration,
    ) -> Result<Lease, CommandError> {
        let mut folded = after;
        let mut settled = false;
        if let Some(mut events) = events {
            let deadline = tokio::time::sleep(wait);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    _ = &mut deadline => break,
                    msg = events.next() => match msg {
                        Some(m) => {
                            folded = folded.and_then(|(state, at)| follow_on(state, at, &m.payload));
                            if settles(&m.subject) {
                                settled = true;
                                break;
                            }
                        }
                        None => break,
                    },
                }
            }
            events.unsubscribe().await.ok();
        }
        match folded {
            Some((state, _)) if settled => Ok(state),
            _ => self.commands.leases.load(lease_id).await,
        }
    }

    /// The reply to `lease.create`: the credential when active, else the status.
    async fn lease_reply(&self, lease_id: &LeaseId, state: &Lease) -> Result<Value, CommandError> {
        match state.status() {
            Some(LeaseStatus::Active) => match self.commands.credential_of(lease_id, state).await {
                Ok(password) => {
                    let (Some(view), Some(upn)) =
                        (views::lease_view(state), state.user_principal_name())
                    else {
                        return Err(CommandError::not_found("lease", &lease_id.to_string()));
                    };
                    Ok(value(&LeaseCreated {
                        status: CreateStatus::Active,
                        lease: view,
                        credential: Some(Credential {
                            username: upn.to_string(),
                            password: password.expose_secret().to_string(),
                        }),
                        message: None,
                    }))
                }
                // The lease ended (revoked, expired, its key shredded) between the status
                // seen above and the open: answer as for a lease found ended, naming it,
                // so the requester learns which lease its request id made.
                Err(e) => {
                    let now = self.commands.leases.load(lease_id).await?;
                    match now.status() {
                        Some(LeaseStatus::Active) | None => Err(e),
                        Some(status) => Err(not_active(lease_id, status, &now)),
                    }
                }
            },
            Some(LeaseStatus::Requested) => match views::lease_view(state) {
                Some(lease) => Ok(value(&LeaseCreated {
                    status: CreateStatus::Pending,
                    lease,
                    credential: None,
                    message: Some(
                        "activation is still in progress; fetch the credential with \
                         lease.get and \"credentials\": true"
                            .to_string(),
                    ),
                })),
                None => Err(CommandError::not_found("lease", &lease_id.to_string())),
            },
            Some(LeaseStatus::ActivationFailed) => {
                Err(self.activation_failed(lease_id, state).await)
            }
            Some(status) => Err(not_active(lease_id, status, state)),
            None => Err(CommandError::not_found("lease", &lease_id.to_string())),
        }
    }
}

/// A renewal never moves an expiry earlier unless asked (`"shorten": true`): when the
/// new expiry (now + the increment, capped at the max) would come before the current one,
/// a renewal without a TTL leaves the lease as it is and says so (`"unchanged": true`),
/// and one with an explicit TTL is refused with `invalid_ttl`. `None`: renew as usual
/// (the aggregate still decides whether the lease is renewable at all).
fn keep_longer_expiry(
    lease: &Lease,
    increment: Option<leasehold_domain::Ttl>,
    meta: &crate::Meta,
) -> Result<Option<Value>, CommandError> {
    let (Some(terms), Some(LeaseStatus::Active)) = (lease.terms(), lease.status()) else {
        return Ok(None);
    };
    if meta.at >= terms.expires_at {
        return Ok(None);
    }
    let step = increment.unwrap_or(terms.default_ttl);
    let wanted = step.after(meta.at).min(terms.max_expires_at);
    if wanted >= terms.expires_at {
        return Ok(None);
    }
    let lease_id = terms.lease_id;
    match increment {
        Some(ttl) => Err(CommandError::new(
            ErrorCode::InvalidTtl,
            format!(
                "renewing lease {lease_id} by {ttl} would move its expiry earlier, from {} to \
                 {}; renew with a longer TTL, or ask for it with \"shorten\": true",
                terms
                    .expires_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                wanted.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            json!({
                "lease_id": lease_id,
                "ttl": ttl.as_secs(),
                "expires_at": terms.expires_at,
                "requested_expires_at": wanted,
                "would_shorten": true,
            }),
        )),
        None => Ok(Some(json!({
            "lease": views::lease(lease),
            "expires_at": terms.expires_at,
            "capped": false,
            "unchanged": true,
            "message": format!(
                "lease {lease_id} already runs longer than its default TTL {step} from now; \
                 its expiry is unchanged"
            ),
        }))),
    }
}

impl CommandService {
    /// `activation_failed` with its cause: the last failed Graph attempt (`details.cause`:
    /// kind, message, Graph request id) and why activation gave up (`details.reason`),
    /// from the lease's own events.
    async fn activation_failed(&self, lease_id: &LeaseId, state: &Lease) -> CommandError {
        let history = self
            .commands
            .leases
            .history(lease_id)
            .await
            .unwrap_or_default();
        let mut cause = None;
        let mut reason = None;
        for event in history.iter().rev() {
            match &event.payload {
                LeaseEvent::ActivationAttemptFailed { error, .. } if cause.is_none() => {
                    cause = Some(error.clone());
                }
                LeaseEvent::LeaseActivationFailed { reason: r, .. } if reason.is_none() => {
                    reason = Some(r.clone());
                }
                _ => {}
            }
        }
        let said = match &cause {
            Some(c) => format!(": {} ({})", c.message, c.kind),
            None => String::new(),
        };
        CommandError::new(
            ErrorCode::ActivationFailed,
            format!("lease {lease_id} could not be activated in Entra{said}"),
            json!({
                "lease": views::lease(state),
                "cause": cause.map(|c| json!({
                    "kind": c.kind,
                    "message": c.message,
                    "request_id": c.request_id,
                })),
                "reason": reason,
            }),
        )
    }
}

/// `lease_not_active` for a lease `lease.create` made but cannot hand over: its status
/// and the lease, as for every `lease_not_active`.
fn not_active(lease_id: &LeaseId, status: LeaseStatus, state: &Lease) -> CommandError {
    CommandError::new(
        ErrorCode::LeaseNotActive,
        format!("lease {lease_id} is {status}"),
        json!({ "status": status, "lease": views::lease(state) }),
    )
}

/// Whether an event subject (`….<event_type>`) settles a new lease.
/// `state` (after event `at`) with the event in `payload` applied, when it is the next one;
/// unchanged for a redelivered earlier one; `None` when it does not follow on (a gap, or a
/// payload that does not decode).
fn follow_on(mut state: Lease, at: usize, payload: &[u8]) -> Option<(Lease, usize)> {
    let message: EventMessage = serde_json::from_slice(payload).ok()?;
    let sequence = usize::try_from(message.sequence).ok()?;
    if sequence <= at {
        return Some((state, at));
    }
    if sequence != at + 1 {
        return None;
    }
    let event: LeaseEvent = serde_json::from_value(message.payload).ok()?;
    cqrs_es::Aggregate::apply(&mut state, event);
    Some((state, sequence))
}

fn settles(subject: &str) -> bool {
    subject
        .rsplit('.')
        .next()
        .and_then(LeaseEventType::parse)
        .is_some_and(LeaseEventType::settles_a_request)
}

fn new_lease_id() -> Result<LeaseId, CommandError> {
    LeaseId::from_uuid(uuid::Uuid::now_v7()).map_err(|e| CommandError::internal(e.to_string()))
}
