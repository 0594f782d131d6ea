//! The lease state machine: (state, command) → events or a typed error.

use chrono::{DateTime, SecondsFormat, Utc};

use super::{
    FailureInfo, FoldedFailures, Lease, LeaseCommand, LeaseError, LeaseEvent, LeaseStatus,
    LeaseTerms, RevocationReason, MAX_ACTIVATION_ATTEMPTS, REVOCATION_FAILING_AFTER,
};
use crate::Ttl;

impl Lease {
    /// Decides a command; returns the events to record (empty for an idempotent no-op).
    pub(super) fn decide(&self, command: LeaseCommand) -> Result<Vec<LeaseEvent>, LeaseError> {
        if let LeaseCommand::Request { terms } = command {
            if self.terms.is_some() {
                return Err(LeaseError::AlreadyExists);
            }
            return Ok(vec![LeaseEvent::LeaseRequested { terms }]);
        }
        let (Some(terms), Some(status)) = (&self.terms, self.status) else {
            return Err(LeaseError::NotFound);
        };
        match command {
            LeaseCommand::Request { .. } => Err(LeaseError::AlreadyExists),
            LeaseCommand::Activate { credential, at } => {
                require(status, LeaseStatus::Requested)?;
                Ok(vec![LeaseEvent::LeaseActivated {
                    credential,
                    activated_at: at,
                }])
            }
            LeaseCommand::RecordActivationFailure {
                error,
                permanent,
                at,
            } => {
                require(status, LeaseStatus::Requested)?;
                Ok(self.activation_failure(error, permanent, at))
            }
            LeaseCommand::Renew { increment, at } => renew(terms, status, increment, at),
            LeaseCommand::Revoke { reason, force, at } => Ok(revoke(status, reason, force, at)),
            LeaseCommand::Expire { at } => match status {
                LeaseStatus::Requested | LeaseStatus::Active if at >= terms.expires_at => {
                    Ok(vec![LeaseEvent::LeaseRevocationRequested {
                        reason: RevocationReason::Expired,
                        requested_at: at,
                    }])
                }
                LeaseStatus::Requested | LeaseStatus::Active => Err(LeaseError::NotYetExpired {
                    expires_at: terms.expires_at,
                }),
                // Already on its way out (or never activated): the deadline has nothing to do.
                _ => Ok(vec![]),
            },
            LeaseCommand::RecordRevocationFailure {
                error,
                at,
                folded,
                retry_in_ms,
            } => {
                if !(status == LeaseStatus::Revoking || self.scramble_pending()) {
                    return Err(LeaseError::InvalidState { status });
                }
                Ok(self.revocation_failures(folded, Some((error, at, retry_in_ms))))
            }
            LeaseCommand::ConfirmRevocation {
                at,
                user_missing,
                credential_gone,
                folded,
            } => match status {
                LeaseStatus::Revoking => {
                    let mut events = self.revocation_failures(folded, None);
                    events.push(LeaseEvent::LeaseRevoked {
                        // Revoking is only entered through LeaseRevocationRequested, which sets it.
                        reason: self.revocation_reason.unwrap_or(RevocationReason::Manual),
                        forced: false,
                        revoked_at: at,
                        user_missing,
                        credential_gone,
                    });
                    Ok(events)
                }
                LeaseStatus::Revoked if self.scramble_pending() => {
                    let mut events = self.revocation_failures(folded, None);
                    events.push(LeaseEvent::ForcedRevocationConfirmed {
                        confirmed_at: at,
                        user_missing,
                    });
                    Ok(events)
                }
                LeaseStatus::Revoked => Ok(vec![]),
                status => Err(LeaseError::InvalidState { status }),
            },
        }
    }

    /// The failure events of a revocation: first the folded identical failures (one event
    /// standing for all of them), then the current failure, if any.
    fn revocation_failures(
        &self,
        folded: Option<FoldedFailures>,
        current: Option<(FailureInfo, DateTime<Utc>, Option<u64>)>,
    ) -> Vec<LeaseEvent> {
        let mut attempt = self.revocation_attempts;
        let mut counted = self.counted_revocation_failures;
        let mut events = Vec::new();
        let mut add = |times: u32, throttled: u32| {
            attempt = attempt.saturating_add(times);
            counted = counted.saturating_add(times.saturating_sub(throttled));
            (attempt, counted >= REVOCATION_FAILING_AFTER)
        };
        if let Some(f) = folded.filter(|f| f.count > 0) {
            let throttled = f.throttled.min(f.count);
            let last_throttled = u32::from(f.error.kind == super::THROTTLED_KIND);
            let (attempt, failing) = add(f.count, throttled);
            events.push(LeaseEvent::RevocationAttemptFailed {
                attempt,
                error: f.error,
                failed_at: f.last_at,
                failing,
                folded: f.count - 1,
                folded_throttled: throttled.saturating_sub(last_throttled),
                retry_in_ms: None,
            });
        }
        if let Some((error, at, retry_in_ms)) = current {
            let throttled = u32::from(error.kind == super::THROTTLED_KIND);
            let (attempt, failing) = add(1, throttled);
            events.push(LeaseEvent::RevocationAttemptFailed {
                attempt,
                error,
                failed_at: at,
                failing,
                folded: 0,
                folded_throttled: 0,
                retry_in_ms,
            });
        }
        events
    }

    fn activation_failure(
        &self,
        error: FailureInfo,
        permanent: bool,
        at: DateTime<Utc>,
    ) -> Vec<LeaseEvent> {
        let attempt = self.activation_attempts.saturating_add(1);
        let counted = if error.kind == super::THROTTLED_KIND {
            self.counted_activation_failures
        } else {
            self.counted_activation_failures.saturating_add(1)
        };
        let give_up = permanent || counted >= MAX_ACTIVATION_ATTEMPTS;
        let reason = if permanent {
            format!("permanent failure ({}): {}", error.kind, error.message)
        } else {
            format!(
                "gave up after {attempt} attempts; last ({}): {}",
                error.kind, error.message
            )
        };
        let mut events = vec![LeaseEvent::ActivationAttemptFailed {
            attempt,
            error,
            failed_at: at,
        }];
        if give_up {
            events.push(LeaseEvent::LeaseActivationFailed {
                reason,
                failed_at: at,
            });
        }
        events
    }
}

fn require(status: LeaseStatus, expected: LeaseStatus) -> Result<(), LeaseError> {
    if status == expected {
        Ok(())
    } else {
        Err(LeaseError::InvalidState { status })
    }
}

fn renew(
    terms: &LeaseTerms,
    status: LeaseStatus,
    increment: Option<Ttl>,
    at: DateTime<Utc>,
) -> Result<Vec<LeaseEvent>, LeaseError> {
    let refuse = |reason: String| Err(LeaseError::NotRenewable { status, reason });
    if status != LeaseStatus::Active {
        return refuse(format!("lease is {status}, not active"));
    }
    if terms.credential_kind.is_tap() {
        // Entra ends the pass at the lifetime set at activation; a later expiry here
        // would be a lie (docs/adr/0016-tap-leases-are-not-renewed.md).
        return refuse(
            "a Temporary Access Pass lease cannot be renewed: Entra ends the pass at the \
             lease's expiry"
                .to_string(),
        );
    }
    if at >= terms.max_expires_at {
        return refuse(format!(
            "its max TTL was reached at {}",
            rfc3339(terms.max_expires_at)
        ));
    }
    if at >= terms.expires_at {
        return refuse(format!("it expired at {}", rfc3339(terms.expires_at)));
    }
    let wanted = increment.unwrap_or(terms.default_ttl).after(at);
    let capped = wanted > terms.max_expires_at;
    Ok(vec![LeaseEvent::LeaseRenewed {
        expires_at: wanted.min(terms.max_expires_at),
        capped,
        renewed_at: at,
    }])
}

fn revoke(
    status: LeaseStatus,
    reason: RevocationReason,
    force: bool,
    at: DateTime<Utc>,
) -> Vec<LeaseEvent> {
    match (status, force) {
        (LeaseStatus::Requested | LeaseStatus::Active | LeaseStatus::Revoking, true) => {
            vec![LeaseEvent::LeaseRevoked {
                reason,
                forced: true,
                revoked_at: at,
                user_missing: false,
                credential_gone: false,
            }]
        }
        (LeaseStatus::Requested | LeaseStatus::Active, false) => {
            vec![LeaseEvent::LeaseRevocationRequested {
                reason,
                requested_at: at,
            }]
        }
        // Already revoking without force, or terminal: nothing more to ask for.
        _ => vec![],
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}
