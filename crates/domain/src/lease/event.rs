//! Events of the `Lease` aggregate. Variant names are frozen storage keys.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use leasehold_api::events::LeaseEventType;
use serde::{Deserialize, Serialize};

use super::{FailureInfo, LeaseTerms, RevocationReason};
use crate::Sealed;

/// Something that happened to a lease.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LeaseEvent {
    /// A lease was recorded; the worker will now set the credential.
    LeaseRequested {
        /// The terms, flattened: the stored payload keeps one key per term.
        #[serde(flatten)]
        terms: LeaseTerms,
    },
    /// The credential was set.
    LeaseActivated {
        /// The credential, sealed.
        credential: Sealed,
        /// When it was set.
        activated_at: DateTime<Utc>,
    },
    /// One activation attempt failed.
    ActivationAttemptFailed {
        /// 1-based attempt number.
        attempt: u32,
        /// What went wrong.
        error: FailureInfo,
        /// When.
        failed_at: DateTime<Utc>,
    },
    /// Activation gave up (terminal).
    LeaseActivationFailed {
        /// Why it gave up.
        reason: String,
        /// When.
        failed_at: DateTime<Utc>,
    },
    /// The lease was extended.
    LeaseRenewed {
        /// The new expiry.
        expires_at: DateTime<Utc>,
        /// True when the max TTL cut the requested increment short.
        capped: bool,
        /// When.
        renewed_at: DateTime<Utc>,
    },
    /// Revocation was asked for; the worker will invalidate the credential.
    LeaseRevocationRequested {
        /// Why.
        reason: RevocationReason,
        /// When.
        requested_at: DateTime<Utc>,
    },
    /// One revocation attempt failed.
    RevocationAttemptFailed {
        /// 1-based attempt number.
        attempt: u32,
        /// What went wrong.
        error: FailureInfo,
        /// When.
        failed_at: DateTime<Utc>,
        /// True from attempt `REVOCATION_FAILING_AFTER` on: alert-worthy.
        failing: bool,
        /// Earlier attempts that failed exactly like this one and are folded into this
        /// event: it stands for attempts `attempt - folded ..= attempt`. Bounds the events
        /// of a long outage; 0 in events written before folding existed.
        #[serde(default)]
        folded: u32,
        /// How many of the `folded` attempts were throttled (not counted as failures).
        #[serde(default)]
        folded_throttled: u32,
        /// The delay the worker chose before the next attempt, in milliseconds; the due
        /// time is computed from the database's clock when the event is stored.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_in_ms: Option<u64>,
    },
    /// The credential is invalidated, or an operator forced the lease closed (terminal).
    LeaseRevoked {
        /// Why.
        reason: RevocationReason,
        /// True when an operator forced it without a confirmed Graph call.
        forced: bool,
        /// When.
        revoked_at: DateTime<Utc>,
        /// True when the Entra user no longer existed.
        #[serde(default)]
        user_missing: bool,
        /// True when the credential was already gone from Entra at revocation: a
        /// Temporary Access Pass that Entra itself expired (or that was deleted there).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        credential_gone: bool,
    },
    /// After a forced revocation, Graph confirmed the password is useless: the scramble
    /// that is retried after `LeaseRevoked { forced: true }` succeeded.
    ForcedRevocationConfirmed {
        /// When Graph confirmed.
        confirmed_at: DateTime<Utc>,
        /// True when the Entra user no longer existed.
        user_missing: bool,
    },
}

impl DomainEvent for LeaseEvent {
    fn event_type(&self) -> String {
        match self {
            LeaseEvent::LeaseRequested { .. } => LeaseEventType::LeaseRequested,
            LeaseEvent::LeaseActivated { .. } => LeaseEventType::LeaseActivated,
            LeaseEvent::ActivationAttemptFailed { .. } => LeaseEventType::ActivationAttemptFailed,
            LeaseEvent::LeaseActivationFailed { .. } => LeaseEventType::LeaseActivationFailed,
            LeaseEvent::LeaseRenewed { .. } => LeaseEventType::LeaseRenewed,
            LeaseEvent::LeaseRevocationRequested { .. } => LeaseEventType::LeaseRevocationRequested,
            LeaseEvent::RevocationAttemptFailed { .. } => LeaseEventType::RevocationAttemptFailed,
            LeaseEvent::LeaseRevoked { .. } => LeaseEventType::LeaseRevoked,
            LeaseEvent::ForcedRevocationConfirmed { .. } => {
                LeaseEventType::ForcedRevocationConfirmed
            }
        }
        .as_str()
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
