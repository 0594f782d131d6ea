//! `lease.revoke` by prefix, connection or requester: every live lease that matches, in
//! one command. Only admins may; every revocation it makes carries the one request id
//! (the caller's, else a fresh `bulk-<uuid>`), so the audit log shows them as one command.

use leasehold_api::Permission;
use leasehold_domain::{Actor, ConnectionName, Lease, RevocationReason};
use serde_json::{json, Value};

use super::input::RevokeLease;
use super::{forbidden, CommandService, Request};
use crate::CommandError;

/// Which live leases a bulk revocation takes.
struct Selector {
    prefix: Option<String>,
    connection: Option<ConnectionName>,
    requested_by: Option<Actor>,
}

impl Selector {
    fn parse(input: &RevokeLease) -> Result<Self, CommandError> {
        if input.lease_id.is_some() || input.secret.is_some() {
            return Err(CommandError::invalid_request(
                "give lease_id, secret, or bulk selectors (prefix, connection, requested_by), \
                 not both",
            ));
        }
        let prefix = match &input.prefix {
            Some(p) if p.is_empty() || p.len() > 128 => {
                return Err(CommandError::invalid_request(
                    "prefix must be 1-128 characters (the start of secret names)",
                ))
            }
            other => other.clone(),
        };
        let connection = input
            .connection
            .as_deref()
            .map(|c| ConnectionName::parse(c).map_err(|e| e.with_field("connection")))
            .transpose()?;
        let requested_by = input
            .requested_by
            .as_deref()
            .map(|a| Actor::parse(a).map_err(|e| e.with_field("requested_by")))
            .transpose()?;
        Ok(Self {
            prefix,
            connection,
            requested_by,
        })
    }

    /// Whether `lease` is one of those selected (every given selector must match).
    fn takes(&self, lease: &Lease) -> bool {
        let prefix = self
            .prefix
            .as_deref()
            .is_none_or(|p| lease.secret().is_some_and(|s| s.as_str().starts_with(p)));
        let connection = self
            .connection
            .as_ref()
            .is_none_or(|c| lease.connection() == Some(c));
        let requester = self
            .requested_by
            .as_ref()
            .is_none_or(|a| lease.requested_by() == Some(a));
        lease.is_live() && prefix && connection && requester
    }

    fn as_json(&self) -> Value {
        json!({
            "prefix": self.prefix,
            "connection": self.connection.as_ref().map(|c| c.as_str()),
            "requested_by": self.requested_by.as_ref().map(|a| a.as_str()),
        })
    }
}

impl CommandService {
    pub(super) async fn revoke_bulk(
        &self,
        req: &Request<'_>,
        input: RevokeLease,
    ) -> Result<Value, CommandError> {
        let selector = Selector::parse(&input)?;
        if !self.admission.policy().is_admin(req.actor.as_str()) {
            return Err(forbidden(self, req, Permission::RevokeBulk, None));
        }
        let request_id = req
            .request_id
            .clone()
            .unwrap_or_else(|| format!("bulk-{}", uuid::Uuid::now_v7()));
        let meta = req.meta().with_request_id(Some(request_id.clone()));
        let candidates = self
            .commands
            .store()
            .live_lease_ids()
            .await
            .map_err(|e| CommandError::unavailable(e.to_string()))?;
        let mut revoked = Vec::new();
        let mut failed = Vec::new();
        for lease_id in candidates {
            let lease = self.commands.leases.load(&lease_id).await?;
            if !selector.takes(&lease) {
                continue;
            }
            match self
                .commands
                .revoke_lease(&lease_id, RevocationReason::Manual, input.force, &meta)
                .await
            {
                Ok(_) => revoked.push(lease_id),
                Err(e) => failed.push(json!({
                    "lease_id": lease_id,
                    "error": { "code": e.code, "message": e.message },
                })),
            }
        }
        tracing::info!(actor = %req.actor, request_id, revoked = revoked.len(),
            failed = failed.len(), "bulk revocation");
        Ok(json!({
            "selector": selector.as_json(),
            "request_id": request_id,
            "count": revoked.len(),
            "revoked": revoked,
            "failed": failed,
        }))
    }
}
