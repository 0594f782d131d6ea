//! `LeaseEvent` → `leases` row. The `lease_activity` intervals are derived from these
//! rows (`activated_at` .. `revoked_at`) by the apply engine.

use chrono::{DateTime, Utc};
use leasehold_domain::{FailureInfo, LeaseEvent, LeaseStatus, LeaseTerms};

use super::ReadModel;
use crate::observe::{self, Observation};
use crate::rows::{LastError, LeaseRow};
use crate::ttl::secs;

impl ReadModel for LeaseRow {
    type Event = LeaseEvent;
    const AGGREGATE: &'static str = "Lease";
    const TABLE: &'static str = "leases";
    const KEY: &'static str = "lease_id";

    fn key(&self) -> &str {
        &self.lease_id
    }

    fn last_sequence(&self) -> i64 {
        self.last_sequence
    }

    fn set_last_sequence(&mut self, sequence: i64) {
        self.last_sequence = sequence;
    }

    fn observe(state: Option<&Self>, event: &LeaseEvent) -> Option<Observation> {
        observe::lease(state, event)
    }

    fn fold(state: Option<Self>, event: LeaseEvent) -> Option<Self> {
        if let LeaseEvent::LeaseRequested { terms } = event {
            let LeaseTerms {
                lease_id,
                secret,
                connection,
                user_object_id,
                user_principal_name,
                default_ttl: _,
                ttl,
                issued_at,
                expires_at,
                max_expires_at,
                requested_by,
                request_id,
                credential_kind: _,
            } = terms;
            return Some(LeaseRow {
                lease_id: lease_id.to_string(),
                secret: secret.to_string(),
                connection: connection.to_string(),
                user_object_id: user_object_id.to_string(),
                user_principal_name: user_principal_name.to_string(),
                status: LeaseStatus::Requested.to_string(),
                ttl_secs: secs(ttl),
                issued_at,
                expires_at,
                max_expires_at,
                activated_at: None,
                activation_failed_at: None,
                activation_failure: None,
                revocation_requested_at: None,
                revoked_at: None,
                revocation_reason: None,
                forced: false,
                user_missing: false,
                renewals: 0,
                activation_attempts: 0,
                revocation_attempts: 0,
                revocation_failing: false,
                last_error: None,
                requested_by: requested_by.to_string(),
                request_id,
                updated_at: issued_at,
                last_sequence: 0,
            });
        }
        let mut row = state?;
        match event {
            LeaseEvent::LeaseRequested { .. } => {}
            // The sealed credential is dropped here: read models never hold it.
            LeaseEvent::LeaseActivated {
                credential: _,
                activated_at,
            } => {
                row.status = LeaseStatus::Active.to_string();
                row.activated_at = Some(activated_at);
                row.updated_at = activated_at;
            }
            LeaseEvent::ActivationAttemptFailed {
                attempt,
                error,
                failed_at,
            } => {
                row.activation_attempts = count(attempt);
                row.last_error = Some(last_error(error, failed_at));
                row.updated_at = failed_at;
            }
            LeaseEvent::LeaseActivationFailed { reason, failed_at } => {
                row.status = LeaseStatus::ActivationFailed.to_string();
                row.activation_failed_at = Some(failed_at);
                row.activation_failure = Some(reason);
                row.updated_at = failed_at;
            }
            LeaseEvent::LeaseRenewed {
                expires_at,
                renewed_at,
                ..
            } => {
                row.expires_at = expires_at;
                row.renewals = row.renewals.saturating_add(1);
                row.updated_at = renewed_at;
            }
            LeaseEvent::LeaseRevocationRequested {
                reason,
                requested_at,
            } => {
                row.status = LeaseStatus::Revoking.to_string();
                row.revocation_reason = Some(reason.to_string());
                row.revocation_requested_at = Some(requested_at);
                row.updated_at = requested_at;
            }
            LeaseEvent::RevocationAttemptFailed {
                attempt,
                error,
                failed_at,
                failing,
                ..
            } => {
                row.revocation_attempts = count(attempt);
                row.revocation_failing = failing;
                row.last_error = Some(last_error(error, failed_at));
                row.updated_at = failed_at;
            }
            LeaseEvent::LeaseRevoked {
                reason,
                forced,
                revoked_at,
                user_missing,
                credential_gone: _,
            } => {
                row.status = LeaseStatus::Revoked.to_string();
                row.revocation_reason = Some(reason.to_string());
                row.forced = forced;
                row.user_missing = user_missing;
                row.revoked_at = Some(revoked_at);
                row.revocation_failing = false;
                row.updated_at = revoked_at;
            }
            LeaseEvent::ForcedRevocationConfirmed {
                confirmed_at,
                user_missing,
            } => {
                row.user_missing = user_missing;
                row.revocation_failing = false;
                row.updated_at = confirmed_at;
            }
        }
        Some(row)
    }
}

fn count(attempt: u32) -> i32 {
    i32::try_from(attempt).unwrap_or(i32::MAX)
}

fn last_error(error: FailureInfo, at: DateTime<Utc>) -> LastError {
    LastError {
        kind: error.kind,
        message: error.message,
        request_id: error.request_id,
        at,
    }
}
