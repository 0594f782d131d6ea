//! The credential of each kind: how activation issues it and how revocation takes it
//! back. A password is set and later scrambled; a Temporary Access Pass is created with
//! the lease's TTL as its lifetime (so Entra ends it even if leasehold is down) and later
//! deleted. Both end with the user's sign-in sessions revoked.

use std::sync::Arc;

use leasehold_domain::{CredentialKind, EntraObjectId, Lease};
use leasehold_graph::{
    generate_password, Credentials, ErrorKind, GraphError, DEFAULT_PASSWORD_LENGTH,
};
use secrecy::SecretString;

use crate::effects::{note_throttling, Effects};
use crate::gate::{ConnectionGate, Priority};

/// What taking a credential back found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TakenBack {
    /// The credential was already gone from Entra (a pass Entra had expired, or none).
    pub credential_gone: bool,
}

impl Effects {
    /// Makes the lease's credential real in Entra and returns it. Under the user lock: a
    /// retry replaces what an earlier attempt set (Graph keeps one pass per user).
    pub(crate) async fn issue(
        &self,
        lease: &Lease,
        gate: &Arc<ConnectionGate>,
        creds: &Credentials,
        user: &EntraObjectId,
    ) -> Result<SecretString, GraphError> {
        let _slot = gate.acquire(Priority::Activation).await;
        match lease.credential_kind().unwrap_or_default() {
            CredentialKind::Password => {
                let password = generate_password(DEFAULT_PASSWORD_LENGTH);
                self.graph
                    .set_password(creds, user.as_str(), &password)
                    .await?;
                Ok(password)
            }
            CredentialKind::TemporaryAccessPass { usable_once } => {
                // The secret's rules keep the TTL whole minutes within the TAP policy.
                let minutes = lease
                    .terms()
                    .map_or(1, |t| t.ttl.as_secs().div_ceil(60).max(1));
                let minutes = u32::try_from(minutes).unwrap_or(u32::MAX);
                let tap = self
                    .graph
                    .create_tap(creds, user.as_str(), minutes, usable_once)
                    .await?;
                Ok(tap.pass)
            }
        }
    }

    /// Makes the credential of a lease of `kind` useless, then revokes the user's sign-in
    /// sessions. Takes a revocation-priority slot; a throttled answer holds the
    /// connection's activations back.
    pub(crate) async fn take_back(
        &self,
        kind: CredentialKind,
        gate: &Arc<ConnectionGate>,
        creds: &Credentials,
        user: &EntraObjectId,
    ) -> Result<TakenBack, GraphError> {
        if kind == CredentialKind::Password {
            self.scramble(gate, creds, user).await?;
            return Ok(TakenBack::default());
        }
        let _slot = gate.acquire(Priority::Revocation).await;
        let result = self.delete_passes(creds, user).await;
        if let Err(err) = &result {
            note_throttling(gate, err);
        }
        result
    }

    /// Deletes every pass of the user (expired ones too) and revokes the sessions.
    async fn delete_passes(
        &self,
        creds: &Credentials,
        user: &EntraObjectId,
    ) -> Result<TakenBack, GraphError> {
        let passes = self.graph.list_taps(creds, user.as_str()).await?;
        let credential_gone = passes.iter().all(|p| p.is_expired());
        for pass in &passes {
            match self.graph.delete_tap(creds, user.as_str(), &pass.id).await {
                // Deleted meanwhile (by a racing attempt, or an administrator): gone too.
                Ok(()) => {}
                Err(err) if *err.kind() == ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
        self.graph.revoke_sessions(creds, user.as_str()).await?;
        Ok(TakenBack { credential_gone })
    }
}
