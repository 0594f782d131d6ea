//! `audit.history|at|export|verify|anchor`: audit replay over the event store
//! (`leasehold-audit`), see docs/audit.md.

use chrono::{DateTime, Utc};
use leasehold_api::{Anchor, HolderAt, Operation};
use leasehold_audit::{
    AuditError, HistoryTarget, VerifyOptions, DEFAULT_EXPORT_LIMIT, MAX_EXPORT_LIMIT,
};
use leasehold_command::CommandError;
use leasehold_domain::{Actor, LeaseId, SecretName, UserPrincipalName};
use leasehold_store::SnapshotKey;
use serde::Serialize;
use serde_json::Value;

use super::request::{parse, Empty};
use super::QueryService;

use leasehold_api::{
    AuditAt as AtRequest, AuditExport as ExportRequest, AuditHistory as HistoryRequest,
    AuditVerify as VerifyRequest,
};

impl QueryService {
    pub(super) async fn audit_history(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let req: HistoryRequest = parse(payload)?;
        let target = match (&req.lease_id, &req.secret) {
            (Some(id), None) => HistoryTarget::Lease(LeaseId::parse(id)?),
            (None, Some(name)) => HistoryTarget::Secret(SecretName::parse(name)?),
            _ => {
                return Err(CommandError::invalid_request(
                    "audit.history needs exactly one of \"lease_id\" and \"secret\"",
                ))
            }
        };
        let limit = page_limit(req.limit)?;
        let op = Operation::AuditHistory;
        // Authorised by the secret, as every lease operation is.
        let secret = match &target {
            HistoryTarget::Lease(id) => {
                match leasehold_audit::lease_secret(&self.pool, id)
                    .await
                    .map_err(audit_error)?
                {
                    Some(secret) => secret,
                    None => return Err(CommandError::not_found("lease", &id.to_string())),
                }
            }
            HistoryTarget::Secret(name) => name.to_string(),
        };
        let allowed = self
            .policy()
            .allows(actor.as_str(), op.name(), Some(&secret));
        self.require(allowed, actor, op)?;
        let page = leasehold_audit::history_page(&self.pool, &target, req.after, limit)
            .await
            .map_err(audit_error)?;
        if page.items.is_empty() && req.after.is_none() {
            return Err(CommandError::not_found("secret", &secret));
        }
        reply(&page)
    }

    pub(super) async fn audit_at(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let req: AtRequest = parse(payload)?;
        let user = UserPrincipalName::parse(&req.user)?;
        let time = time("time", &req.time)?;
        let op = Operation::AuditAt;
        self.require(
            self.policy().allows(actor.as_str(), op.name(), None),
            actor,
            op,
        )?;
        let holder = leasehold_audit::at(&self.pool, &user, time)
            .await
            .map_err(audit_error)?;
        reply(&HolderAt {
            user: user.as_str().to_string(),
            time,
            holder,
        })
    }

    pub(super) async fn audit_export(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let req: ExportRequest = parse(payload)?;
        let from = time("from", &req.from)?;
        let to = time("to", &req.to)?;
        let limit = page_limit(req.limit)?;
        let op = Operation::AuditExport;
        self.require(
            self.policy().allows(actor.as_str(), op.name(), None),
            actor,
            op,
        )?;
        let page = leasehold_audit::export(&self.pool, from, to, req.after, limit)
            .await
            .map_err(audit_error)?;
        reply(&page)
    }

    pub(super) async fn audit_verify(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let req: VerifyRequest = parse(payload)?;
        let op = Operation::AuditVerify;
        self.require(
            self.policy().allows(actor.as_str(), op.name(), None),
            actor,
            op,
        )?;
        if let Some(against) = &req.against {
            if against.position < 0
                || (against.position > 0 && against.running_hash.len() != 64)
                || !against.running_hash.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(CommandError::invalid_request(
                    "against needs a position >= 0 and a 64-digit hex running_hash",
                ));
            }
        }
        let against = req.against;
        let key = SnapshotKey::derive(self.commands.keys().master());
        let options = VerifyOptions {
            snapshot_key: Some(&key),
            against: against.as_ref(),
        };
        let report = crate::drift::verify_store_with(&self.pool, options)
            .await
            .map_err(audit_error)?;
        reply(&report)
    }
}

impl QueryService {
    /// `audit.anchor`: where the global log ends now, for a checkpoint the caller signs.
    pub(super) async fn audit_anchor(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let _: Empty = parse(payload)?;
        let op = Operation::AuditAnchor;
        self.require(
            self.policy().allows(actor.as_str(), op.name(), None),
            actor,
            op,
        )?;
        let head = leasehold_audit::log_head(&self.pool)
            .await
            .map_err(audit_error)?;
        reply(&Anchor {
            position: head.position,
            running_hash: head.running_hash,
            at: Utc::now(),
        })
    }
}

/// A typed result as the JSON the reply carries.
fn reply(result: &impl Serialize) -> Result<Value, CommandError> {
    serde_json::to_value(result)
        .map_err(|_| CommandError::internal("the audit reply could not be serialized"))
}

/// An RFC 3339 time, or `invalid_request` naming the field.
fn time(field: &str, value: &str) -> Result<DateTime<Utc>, CommandError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            CommandError::invalid_request(format!(
                "{field} must be an RFC 3339 time such as 2026-11-24T14:03:00Z: {e}"
            ))
        })
}

/// A page size for history and export: default 1000, at most 10 000.
fn page_limit(limit: Option<u32>) -> Result<u32, CommandError> {
    match limit.unwrap_or(DEFAULT_EXPORT_LIMIT) {
        n @ 1..=MAX_EXPORT_LIMIT => Ok(n),
        n => Err(CommandError::invalid_request(format!(
            "limit must be between 1 and {MAX_EXPORT_LIMIT}, got {n}"
        ))),
    }
}

fn audit_error(e: AuditError) -> CommandError {
    match e {
        AuditError::Invalid(message) => CommandError::invalid_request(message),
        AuditError::Database(e) => {
            tracing::warn!(error = %e, "audit query failed");
            CommandError::unavailable("the event store is unavailable; retry later")
        }
    }
}
