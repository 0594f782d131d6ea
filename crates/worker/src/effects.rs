//! What the handlers share: the command facade, the Graph client, per-connection gates,
//! per-user locks, and the Graph steps both activation and revocation use.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use leasehold_api::ErrorCode;
use leasehold_command::{CommandError, Commands, Meta};
use leasehold_domain::{Actor, ConnectionName, EntraObjectId};
use leasehold_graph::{
    generate_password, Credentials, GraphClient, GraphError, DEFAULT_PASSWORD_LENGTH,
};
use sqlx::PgPool;

use crate::credentials::CredentialCache;
use crate::due::DueRevocations;
use crate::gate::{ConnectionGate, Gates, Priority};
use crate::user_lock::UserLocks;
use crate::WorkerConfig;

/// The component name recorded as actor (`system:worker`).
pub(crate) const COMPONENT: &str = "worker";

/// What to do with a message once its handler is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Done (or nothing to do): acknowledge.
    Ack,
    /// Try again after this delay (nak with delay).
    Retry(Duration),
    /// Simulated crash: neither ack nor nak, let the ack wait run out.
    Abandon,
}

/// Shared state of one worker.
pub(crate) struct Effects {
    pub(crate) commands: Arc<Commands>,
    pub(crate) graph: GraphClient,
    pub(crate) gates: Gates,
    pub(crate) locks: UserLocks,
    pub(crate) due: DueRevocations,
    pub(crate) config: WorkerConfig,
    creds: CredentialCache,
}

/// How fetching a connection's credentials went.
pub(crate) enum Creds {
    /// Ready to call Graph.
    Ready(Arc<Credentials>),
    /// The connection no longer exists (or was deleted): Graph cannot be reached for it.
    Gone(CommandError),
}

impl Effects {
    /// The shared state over `pool` (used for user locks).
    pub(crate) fn new(
        commands: Arc<Commands>,
        graph: GraphClient,
        pool: PgPool,
        config: WorkerConfig,
    ) -> Self {
        // Revocation rows are written by triggers on the events the commands append.
        let due = DueRevocations::new(commands.store().clone(), config.revocation_claim);
        Self {
            commands,
            graph,
            gates: Gates::new(config.graph_concurrency, config.paced_write_interval),
            due,
            locks: UserLocks::new(pool),
            config,
            creds: CredentialCache::default(),
        }
    }

    /// Metadata for a command taken now by the worker.
    pub(crate) fn meta(&self) -> Meta {
        Meta::new(Actor::system(COMPONENT), Utc::now())
    }

    /// The Graph credentials of `connection`, unsealed once per connection version;
    /// infrastructure errors are returned as errors.
    pub(crate) async fn credentials(&self, connection: &ConnectionName) -> anyhow::Result<Creds> {
        let version = self
            .commands
            .store()
            .connection_version(connection)
            .await
            .map_err(|e| CommandError::unavailable(format!("connection version: {e}")))?;
        let unsealed = match version {
            Some(version) => {
                let load = || self.commands.credentials(connection);
                self.creds.get(connection.as_str(), version, load).await
            }
            None => Err(CommandError::not_found("connection", connection.as_str())),
        };
        match unsealed {
            Ok(creds) => Ok(Creds::Ready(creds)),
            Err(e) if e.is(ErrorCode::NotFound) => {
                self.creds.forget(connection.as_str());
                Ok(Creds::Gone(e))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The gate of `connection`.
    pub(crate) fn gate(&self, connection: &ConnectionName) -> Arc<ConnectionGate> {
        self.gates.get(connection.as_str())
    }

    /// Makes the user's current credential useless: sets a random password nobody ever
    /// learns, then revokes the user's sign-in sessions. Takes a revocation-priority slot;
    /// a throttled answer holds the connection's activations back.
    pub(crate) async fn scramble(
        &self,
        gate: &Arc<ConnectionGate>,
        creds: &Credentials,
        user: &EntraObjectId,
    ) -> Result<(), GraphError> {
        let _slot = gate.acquire(Priority::Revocation).await;
        let result = async {
            let unknown = generate_password(DEFAULT_PASSWORD_LENGTH);
            self.graph
                .set_password(creds, user.as_str(), &unknown)
                .await?;
            self.graph.revoke_sessions(creds, user.as_str()).await
        }
        .await;
        if let Err(err) = &result {
            note_throttling(gate, err);
        }
        result
    }
}

/// After a throttled answer, keeps the connection's activations back until it passes; a
/// 429 (the write limit) also paces the connection's writes from then on, while a 503 or
/// 504 with `Retry-After` is an outage of the service, not of the tenant's write budget.
pub(crate) fn note_throttling(gate: &ConnectionGate, err: &GraphError) {
    if let Some(wait) = err.retry_after() {
        gate.hold_for(wait, err.status() == Some(429));
    }
}

/// Puts the request id the lease was created with into the current span, so the
/// worker's lines for the lease carry it as the command service's did.
pub(crate) fn record_request_id(lease: &leasehold_domain::Lease) {
    if let Some(id) = lease.request_id() {
        tracing::Span::current().record("request_id", id);
    }
}
