//! From a secret's reservation to the terms of the lease that holds it.

use super::DynamicSecret;
use crate::{Actor, LeaseId, LeaseTerms, Ttl};

impl DynamicSecret {
    /// The terms of lease `lease_id`, when it holds this secret's live slot: the same
    /// terms on the first request and on a retry that finds its reservation in place.
    /// `None` when the slot is free or held by another lease, or the secret never existed.
    pub fn lease_terms(
        &self,
        lease_id: LeaseId,
        requested_by: Actor,
        request_id: Option<String>,
    ) -> Option<LeaseTerms> {
        let definition = self.definition()?;
        let live = self.live_lease().filter(|live| live.lease_id == lease_id)?;
        // Snapshots taken before the reservation kept its TTL and renewal limit: both
        // follow from the reservation time, as `ReserveLease` computed them.
        let ttl = match live.ttl {
            Some(ttl) => ttl,
            None => {
                let secs = (live.expires_at - live.reserved_at).num_seconds().max(1);
                Ttl::from_secs(u64::try_from(secs).ok()?).ok()?
            }
        };
        let max_expires_at = live
            .max_expires_at
            .unwrap_or_else(|| definition.max_ttl.after(live.reserved_at));
        Some(LeaseTerms {
            lease_id,
            secret: definition.name.clone(),
            connection: definition.connection.clone(),
            user_object_id: definition.user_object_id.clone(),
            user_principal_name: definition.user_principal_name.clone(),
            default_ttl: definition.default_ttl,
            ttl,
            issued_at: live.reserved_at,
            expires_at: live.expires_at,
            max_expires_at,
            requested_by,
            request_id,
            credential_kind: definition.credential_kind,
        })
    }
}
