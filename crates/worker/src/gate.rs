//! Graph capacity per connection, with revocations before activations.
//!
//! Graph throttles per application per tenant, so each connection gets a small gate: at
//! most `limit` calls at once; an activation waits while any revocation is waiting, while
//! the connection is full, or while a `Retry-After` hold is on. Revocations ignore holds:
//! taking a credential back matters more than handing one out, and the Graph client
//! itself still honours the service's `Retry-After` for every call.
//!
//! Lock order: a handler takes the user lock first and a slot second, and holds a slot
//! only around its Graph calls, so a slot holder never waits for a lock (no deadlock).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Which kind of work wants a Graph slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Priority {
    /// Taking a credential back: served first, not held back by throttling.
    Revocation,
    /// Handing a credential out: waits for revocations and throttling holds.
    Activation,
}

#[derive(Debug, Default)]
struct State {
    in_use: usize,
    waiting_revocations: usize,
    held_until: Option<Instant>,
}

/// The gate of one connection.
#[derive(Debug)]
pub(crate) struct ConnectionGate {
    limit: usize,
    state: Mutex<State>,
    changed: Notify,
}

/// A Graph slot; dropping it frees the slot.
#[derive(Debug)]
pub(crate) struct Slot {
    gate: Arc<ConnectionGate>,
}

/// Registers a waiting revocation for as long as it waits (also if its future is dropped).
struct Waiting<'a> {
    gate: &'a ConnectionGate,
}

impl ConnectionGate {
    /// A gate allowing `limit` (at least 1) concurrent calls.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Plain counters: still consistent if a holder panicked.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a slot under the priority rules.
    pub(crate) async fn acquire(self: &Arc<Self>, priority: Priority) -> Slot {
        let _waiting = (priority == Priority::Revocation).then(|| {
            self.state().waiting_revocations += 1;
            Waiting { gate: self }
        });
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Register before looking, so a change between the look and the wait wakes us.
            notified.as_mut().enable();
            let hold = {
                let mut state = self.state();
                let now = Instant::now();
                let hold = state.held_until.filter(|until| *until > now);
                let free = state.in_use < self.limit;
                let may = match priority {
                    Priority::Revocation => free,
                    Priority::Activation => {
                        free && state.waiting_revocations == 0 && hold.is_none()
                    }
                };
                if may {
                    state.in_use += 1;
                    return Slot { gate: self.clone() };
                }
                hold.filter(|_| priority == Priority::Activation)
            };
            match hold {
                Some(until) => {
                    tokio::select! {
                        _ = notified => {}
                        _ = tokio::time::sleep_until(until) => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// Holds activations back for `wait` (never shortens an existing hold).
    pub(crate) fn hold_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut state = self.state();
        if state.held_until.is_none_or(|current| current < until) {
            state.held_until = Some(until);
        }
    }

    #[cfg(test)]
    fn waiting_revocations(&self) -> usize {
        self.state().waiting_revocations
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.gate.state().in_use -= 1;
        self.gate.changed.notify_waiters();
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.gate.state().waiting_revocations -= 1;
        self.gate.changed.notify_waiters();
    }
}

/// The gates of all connections this worker talks to.
#[derive(Debug)]
pub(crate) struct Gates {
    limit: usize,
    gates: Mutex<HashMap<String, Arc<ConnectionGate>>>,
}

impl Gates {
    /// Gates allowing `limit` concurrent calls per connection.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            gates: Mutex::new(HashMap::new()),
        }
    }

    /// The gate of `connection`, created open.
    pub(crate) fn get(&self, connection: &str) -> Arc<ConnectionGate> {
        // The map stays consistent even if a holder panicked mid-insert.
        let mut gates = self.gates.lock().unwrap_or_else(|p| p.into_inner());
        gates
            .entry(connection.to_string())
            .or_insert_with(|| Arc::new(ConnectionGate::new(self.limit)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::{mpsc, oneshot};

    /// Takes a slot, reports `name`, and keeps the slot until told to let go.
    fn contender(
        gate: &Arc<ConnectionGate>,
        priority: Priority,
        name: &'static str,
        got: mpsc::UnboundedSender<&'static str>,
    ) -> oneshot::Sender<()> {
        let (release, released) = oneshot::channel::<()>();
        let gate = gate.clone();
        tokio::spawn(async move {
            let _slot = gate.acquire(priority).await;
            got.send(name).ok();
            released.await.ok();
        });
        release
    }

    async fn until(mut cond: impl FnMut() -> bool) {
        while !cond() {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_waiting_revocation_gets_the_slot_before_waiting_activations() {
        let gate = Arc::new(ConnectionGate::new(1));
        let busy = gate.acquire(Priority::Activation).await;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let first_activation = contender(&gate, Priority::Activation, "activation-1", tx.clone());
        let second_activation = contender(&gate, Priority::Activation, "activation-2", tx.clone());
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        let revocation = contender(&gate, Priority::Revocation, "revocation", tx.clone());
        until(|| gate.waiting_revocations() == 1).await;

        drop(busy);
        assert_eq!(rx.recv().await, Some("revocation"));
        revocation.send(()).ok();
        let next = rx.recv().await.expect("an activation");
        assert!(next.starts_with("activation"), "{next}");
        first_activation.send(()).ok();
        second_activation.send(()).ok();
        let last = rx.recv().await.expect("the other activation");
        assert!(last.starts_with("activation") && last != next);
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttle_hold_stops_activations_but_not_revocations() {
        let gate = Arc::new(ConnectionGate::new(4));
        gate.hold_for(Duration::from_secs(5));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let _a = contender(&gate, Priority::Activation, "activation", tx.clone());
        let _r = contender(&gate, Priority::Revocation, "revocation", tx.clone());
        assert_eq!(rx.recv().await, Some("revocation"));
        let started = Instant::now();
        assert_eq!(rx.recv().await, Some("activation"));
        assert!(
            started.elapsed() >= Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_dropped_revocation_wait_unblocks_activations() {
        let gate = Arc::new(ConnectionGate::new(1));
        let busy = gate.acquire(Priority::Activation).await;
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move {
                let _slot = gate.acquire(Priority::Revocation).await;
            })
        };
        until(|| gate.waiting_revocations() == 1).await;
        waiting.abort();
        until(|| gate.waiting_revocations() == 0).await;
        drop(busy);
        let _slot = gate.acquire(Priority::Activation).await;
    }
}
