//! State of the `Lease` aggregate and how events change it.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use super::{
    LeaseCommand, LeaseError, LeaseEvent, LeaseStatus, LeaseTerms, RevocationReason,
    REVOCATION_FAILING_AFTER,
};
use crate::{Actor, ConnectionName, EntraObjectId, Sealed, SecretName, UserPrincipalName};

/// The `Lease` aggregate (id = lease id). Getters return `None` before `LeaseRequested`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    pub(super) terms: Option<LeaseTerms>,
    pub(super) status: Option<LeaseStatus>,
    credential: Option<Sealed>,
    pub(super) activation_attempts: u32,
    #[serde(default)]
    pub(super) counted_activation_failures: u32,
    #[serde(default)]
    pub(super) counted_revocation_failures: u32,
    pub(super) revocation_attempts: u32,
    renewals: u32,
    pub(super) revocation_reason: Option<RevocationReason>,
    revoked_forced: bool,
    /// Graph confirmed the scramble that follows a forced revocation.
    #[serde(default)]
    scramble_confirmed: bool,
    user_missing: bool,
    /// Revocation found the credential already gone from Entra (an expired TAP).
    #[serde(default)]
    credential_gone: bool,
}

impl Lease {
    /// The lease's terms, once requested.
    pub fn terms(&self) -> Option<&LeaseTerms> {
        self.terms.as_ref()
    }
    /// Current status, once requested.
    pub fn status(&self) -> Option<LeaseStatus> {
        self.status
    }
    /// The leased secret.
    pub fn secret(&self) -> Option<&SecretName> {
        self.terms.as_ref().map(|t| &t.secret)
    }
    /// The connection used to reach Graph.
    pub fn connection(&self) -> Option<&ConnectionName> {
        self.terms.as_ref().map(|t| &t.connection)
    }
    /// Object id of the Entra user.
    pub fn user_object_id(&self) -> Option<&EntraObjectId> {
        self.terms.as_ref().map(|t| &t.user_object_id)
    }
    /// UPN of the Entra user.
    pub fn user_principal_name(&self) -> Option<&UserPrincipalName> {
        self.terms.as_ref().map(|t| &t.user_principal_name)
    }
    /// When issued.
    pub fn issued_at(&self) -> Option<DateTime<Utc>> {
        self.terms.as_ref().map(|t| t.issued_at)
    }
    /// Current expiry (after renewals).
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.terms.as_ref().map(|t| t.expires_at)
    }
    /// Hard limit for renewals.
    pub fn max_expires_at(&self) -> Option<DateTime<Utc>> {
        self.terms.as_ref().map(|t| t.max_expires_at)
    }
    /// Who asked for the lease.
    pub fn requested_by(&self) -> Option<&Actor> {
        self.terms.as_ref().map(|t| &t.requested_by)
    }
    /// Caller's request id, if given.
    pub fn request_id(&self) -> Option<&str> {
        self.terms.as_ref().and_then(|t| t.request_id.as_deref())
    }
    /// The sealed credential, only while the lease is active.
    pub fn credential(&self) -> Option<&Sealed> {
        self.credential.as_ref()
    }
    /// Failed activation attempts so far.
    pub fn activation_attempts(&self) -> u32 {
        self.activation_attempts
    }
    /// Failed revocation attempts so far.
    pub fn revocation_attempts(&self) -> u32 {
        self.revocation_attempts
    }
    /// True while revoking after `REVOCATION_FAILING_AFTER` failures (throttled attempts
    /// not counted): needs attention.
    pub fn revocation_failing(&self) -> bool {
        (self.status == Some(LeaseStatus::Revoking) || self.scramble_pending())
            && self.counted_revocation_failures >= REVOCATION_FAILING_AFTER
    }
    /// Failed activation attempts that were not throttling; drives the retry backoff.
    pub fn counted_activation_failures(&self) -> u32 {
        self.counted_activation_failures
    }
    /// Failed revocation attempts that were not throttling; drives the retry backoff.
    pub fn counted_revocation_failures(&self) -> u32 {
        self.counted_revocation_failures
    }
    /// Number of successful renewals.
    pub fn renewals(&self) -> u32 {
        self.renewals
    }
    /// Why revocation was requested, once it was.
    pub fn revocation_reason(&self) -> Option<RevocationReason> {
        self.revocation_reason
    }
    /// True if the lease was force-revoked by an operator.
    pub fn revoked_forced(&self) -> bool {
        self.revoked_forced
    }
    /// True after a forced revocation until Graph confirms the password is useless: the
    /// worker keeps retrying the scramble meanwhile.
    pub fn scramble_pending(&self) -> bool {
        self.status == Some(LeaseStatus::Revoked) && self.revoked_forced && !self.scramble_confirmed
    }
    /// True if revocation found the Entra user already gone.
    pub fn user_missing(&self) -> bool {
        self.user_missing
    }
    /// True if revocation found the credential already gone from Entra (a Temporary
    /// Access Pass that Entra itself expired).
    pub fn credential_gone(&self) -> bool {
        self.credential_gone
    }
    /// The kind of credential the lease hands out, once requested.
    pub fn credential_kind(&self) -> Option<crate::CredentialKind> {
        self.terms.as_ref().map(|t| t.credential_kind)
    }
    /// True while requested, active or revoking.
    pub fn is_live(&self) -> bool {
        self.status.is_some_and(LeaseStatus::is_live)
    }
}

impl Aggregate for Lease {
    const TYPE: &'static str = "Lease";
    type Command = LeaseCommand;
    type Event = LeaseEvent;
    type Error = LeaseError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            LeaseEvent::LeaseRequested { terms } => {
                self.terms = Some(terms);
                self.status = Some(LeaseStatus::Requested);
            }
            LeaseEvent::LeaseActivated { credential, .. } => {
                self.credential = Some(credential);
                self.status = Some(LeaseStatus::Active);
            }
            LeaseEvent::ActivationAttemptFailed { attempt, error, .. } => {
                self.activation_attempts = attempt;
                if error.kind != super::THROTTLED_KIND {
                    self.counted_activation_failures += 1;
                }
            }
            LeaseEvent::LeaseActivationFailed { .. } => {
                self.status = Some(LeaseStatus::ActivationFailed);
            }
            LeaseEvent::LeaseRenewed { expires_at, .. } => {
                if let Some(terms) = self.terms.as_mut() {
                    terms.expires_at = expires_at;
                }
                self.renewals += 1;
            }
            LeaseEvent::LeaseRevocationRequested { reason, .. } => {
                self.credential = None;
                self.revocation_reason = Some(reason);
                self.status = Some(LeaseStatus::Revoking);
            }
            LeaseEvent::RevocationAttemptFailed {
                attempt,
                error,
                folded,
                folded_throttled,
                ..
            } => {
                self.revocation_attempts = attempt;
                let this = u32::from(error.kind != super::THROTTLED_KIND);
                let counted = this.saturating_add(folded.saturating_sub(folded_throttled));
                self.counted_revocation_failures =
                    self.counted_revocation_failures.saturating_add(counted);
            }
            LeaseEvent::LeaseRevoked {
                reason,
                forced,
                user_missing,
                credential_gone,
                ..
            } => {
                self.credential = None;
                self.credential_gone = credential_gone;
                self.revocation_reason = Some(reason);
                self.revoked_forced = forced;
                if forced {
                    // The scramble that follows is retried afresh: it turns `failing` only
                    // after its own failures (as the read model shows it).
                    self.counted_revocation_failures = 0;
                }
                self.user_missing = user_missing;
                self.status = Some(LeaseStatus::Revoked);
            }
            LeaseEvent::ForcedRevocationConfirmed { user_missing, .. } => {
                self.scramble_confirmed = true;
                self.user_missing = user_missing;
            }
        }
    }
}
