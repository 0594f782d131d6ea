//! App-wide holds after a 429: Graph throttles per application per tenant, so once one call
//! is told to wait, every call of that app (same access class) waits too. Without this, calls
//! told to come back early keep the service's bucket in debt and nobody gets through.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Reads and writes are limited separately by Graph, so they are held separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Access {
    Read,
    Write,
}

/// One (tenant, app, access) hold: no request is sent before `not_before`.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    not_before: Mutex<Option<Instant>>,
}

impl Gate {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        // The guarded value is a plain instant, valid even if a holder panicked.
        self.not_before.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Time left before requests may be sent again, if any.
    pub fn remaining(&self) -> Option<Duration> {
        let until = (*self.lock())?;
        let now = Instant::now();
        (until > now).then(|| until - now)
    }

    /// Holds requests back until at least `now + wait` (never shortens an existing hold).
    pub fn hold_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut not_before = self.lock();
        if not_before.is_none_or(|current| current < until) {
            *not_before = Some(until);
        }
    }
}

/// Key of a gate: the app in its tenant, in its cloud, for one access class.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct GateKey {
    pub graph_base: String,
    pub tenant_id: String,
    pub client_id: String,
    pub access: Access,
}

/// All gates of one client.
#[derive(Debug, Default)]
pub(crate) struct Gates {
    gates: Mutex<HashMap<GateKey, Arc<Gate>>>,
}

impl Gates {
    /// The gate for `key`, created open.
    pub fn get(&self, key: GateKey) -> Arc<Gate> {
        // The map stays consistent even if a holder panicked mid-call.
        let mut gates = self.gates.lock().unwrap_or_else(|p| p.into_inner());
        gates.entry(key).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn holds_only_grow_and_expire() {
        let gate = Gate::default();
        assert_eq!(gate.remaining(), None);
        gate.hold_for(Duration::from_secs(3));
        gate.hold_for(Duration::from_secs(1));
        assert_eq!(gate.remaining(), Some(Duration::from_secs(3)));
        tokio::time::advance(Duration::from_secs(3)).await;
        assert_eq!(gate.remaining(), None);
    }
}
