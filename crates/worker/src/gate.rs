//! Graph capacity per connection, with revocations before activations.
//!
//! Graph throttles writes per application per tenant (3,000 per 150 s), so each connection
//! gets a small gate: at most `limit` calls at once; an activation waits while any
//! revocation is waiting, while the connection is full, or while a `Retry-After` hold is
//! on. Once a connection has been throttled, every write is paced: one write per
//! `interval` (the documented rate), starting after the `Retry-After`, so retries no longer
//! race for the tenant's refilled tokens and burn them on 429s. Revocations keep their
//! priority inside the pacer (an activation never takes a write while a revocation waits)
//! instead of bypassing it, and while paced no activation writes as long as any revocation
//! of the connection is unconfirmed (due or backing off in PostgreSQL, counted by the
//! revocation loop): new leases answer `pending` rather than take a revocation's write.
//! Pacing ends once the connection's backlog is gone: a call that
//! finds nothing in flight or waiting after the last pause goes unpaced.
//!
//! Lock order: a handler takes the user lock first and a slot second, and holds a slot
//! only around its Graph calls, so a slot holder never waits for a lock (no deadlock).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Entra's documented write limit per application per tenant: 3,000 writes per 150 s.
pub(crate) const DOCUMENTED_WRITE_INTERVAL: Duration = Duration::from_millis(50);

/// Which kind of work wants a Graph slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Priority {
    /// Taking a credential back (two writes: a password and revokeSignInSessions): served
    /// first.
    Revocation,
    /// Handing a credential out (one write): waits for revocations and throttling.
    Activation,
}

impl Priority {
    /// Graph writes one slot of this kind makes.
    fn writes(self) -> u32 {
        match self {
            Priority::Revocation => 2,
            Priority::Activation => 1,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    in_use: usize,
    waiting: usize,
    waiting_revocations: usize,
    held_until: Option<Instant>,
    /// While paced (after a 429): when the next write may start.
    next_write: Option<Instant>,
    /// Revocations of the connection not yet confirmed, wherever they are.
    backlog: usize,
}

/// The gate of one connection.
#[derive(Debug)]
pub(crate) struct ConnectionGate {
    limit: usize,
    interval: Duration,
    state: Mutex<State>,
    changed: Notify,
}

/// A Graph slot; dropping it frees the slot.
#[derive(Debug)]
pub(crate) struct Slot {
    gate: Arc<ConnectionGate>,
}

/// Registers a waiter for as long as it waits (also if its future is dropped).
struct Waiting<'a> {
    gate: &'a ConnectionGate,
    revocation: bool,
}

impl ConnectionGate {
    /// A gate allowing `limit` (at least 1) concurrent calls, pacing writes one per
    /// `interval` once throttled.
    pub(crate) fn new(limit: usize, interval: Duration) -> Self {
        Self {
            limit: limit.max(1),
            interval,
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Plain counters: still consistent if a holder panicked.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a slot under the priority and pacing rules.
    pub(crate) async fn acquire(self: &Arc<Self>, priority: Priority) -> Slot {
        let revocation = priority == Priority::Revocation;
        let _waiting = {
            let mut state = self.state();
            state.waiting += 1;
            state.waiting_revocations += usize::from(revocation);
            Waiting {
                gate: self,
                revocation,
            }
        };
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Register before looking, so a change between the look and the wait wakes us.
            notified.as_mut().enable();
            let wait_until = {
                let mut state = self.state();
                let now = Instant::now();
                let hold = state.held_until.filter(|until| *until > now);
                let paced = state.next_write.filter(|at| *at > now);
                let free = state.in_use < self.limit;
                let may = match priority {
                    Priority::Revocation => free && paced.is_none(),
                    Priority::Activation => {
                        let behind = state.next_write.is_some() && state.backlog > 0;
                        free && state.waiting_revocations == 0
                            && hold.is_none()
                            && paced.is_none()
                            && !behind
                    }
                };
                if may {
                    // Only this call, at a connection idle for a whole interval after its
                    // last pause: the backlog is gone, and with it the pacing.
                    let idle = state.in_use == 0 && state.waiting == 1;
                    if idle && state.next_write.is_some_and(|n| n + self.interval <= now) {
                        state.next_write = None;
                    }
                    state.in_use += 1;
                    let interval = self.interval * priority.writes();
                    if let Some(next) = state.next_write.as_mut() {
                        *next = (*next).max(now) + interval;
                    }
                    return Slot { gate: self.clone() };
                }
                match priority {
                    Priority::Revocation => paced,
                    Priority::Activation => hold.max(paced),
                }
            };
            match wait_until {
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

    /// After a throttled answer: holds activations back for `wait` (never shortens an
    /// existing hold); with `pace` (a 429) every write waits for it and is paced from then
    /// on.
    pub(crate) fn hold_for(&self, wait: Duration, pace: bool) {
        let until = Instant::now() + wait;
        let mut state = self.state();
        if state.held_until.is_none_or(|current| current < until) {
            state.held_until = Some(until);
        }
        if pace && state.next_write.is_none_or(|next| next < until) {
            state.next_write = Some(until);
        }
    }

    /// How many revocations of this connection are unconfirmed.
    pub(crate) fn set_backlog(&self, revocations: usize) {
        let mut state = self.state();
        if state.backlog == revocations {
            return;
        }
        state.backlog = revocations;
        drop(state);
        self.changed.notify_waiters();
    }

    #[cfg(test)]
    fn waiting_revocations(&self) -> usize {
        self.state().waiting_revocations
    }

    #[cfg(test)]
    fn paced(&self) -> bool {
        self.state().next_write.is_some()
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
        let mut state = self.gate.state();
        state.waiting -= 1;
        state.waiting_revocations -= usize::from(self.revocation);
        drop(state);
        self.gate.changed.notify_waiters();
    }
}

/// The gates of all connections this worker talks to.
#[derive(Debug)]
pub(crate) struct Gates {
    limit: usize,
    interval: Duration,
    gates: Mutex<HashMap<String, Arc<ConnectionGate>>>,
}

impl Gates {
    /// Gates allowing `limit` concurrent calls per connection, pacing one write per
    /// `interval` once throttled.
    pub(crate) fn new(limit: usize, interval: Duration) -> Self {
        Self {
            limit,
            interval,
            gates: Mutex::new(HashMap::new()),
        }
    }

    /// Sets every gate's count of unconfirmed revocations (zero where none is listed).
    pub(crate) fn set_backlogs(&self, backlog: &[(String, i64)]) {
        let gates: Vec<(String, Arc<ConnectionGate>)> = {
            let gates = self.gates.lock().unwrap_or_else(|p| p.into_inner());
            gates.iter().map(|(c, g)| (c.clone(), g.clone())).collect()
        };
        for (connection, gate) in gates {
            let n = backlog
                .iter()
                .find(|(c, _)| *c == connection)
                .map_or(0, |(_, n)| usize::try_from(*n).unwrap_or(0));
            gate.set_backlog(n);
        }
    }

    /// The gate of `connection`, created open.
    pub(crate) fn get(&self, connection: &str) -> Arc<ConnectionGate> {
        // The map stays consistent even if a holder panicked mid-insert.
        let mut gates = self.gates.lock().unwrap_or_else(|p| p.into_inner());
        gates
            .entry(connection.to_string())
            .or_insert_with(|| Arc::new(ConnectionGate::new(self.limit, self.interval)))
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
        let gate = Arc::new(ConnectionGate::new(1, DOCUMENTED_WRITE_INTERVAL));
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
    async fn a_503_hold_stops_activations_but_not_revocations() {
        let gate = Arc::new(ConnectionGate::new(4, DOCUMENTED_WRITE_INTERVAL));
        gate.hold_for(Duration::from_secs(5), false);
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
        assert!(!gate.paced());
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_429_every_write_is_paced_and_revocations_go_first() {
        let gate = Arc::new(ConnectionGate::new(8, DOCUMENTED_WRITE_INTERVAL));
        let started = Instant::now();
        gate.hold_for(Duration::from_secs(1), true);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let _a = contender(&gate, Priority::Activation, "activation", tx.clone());
        let _r1 = contender(&gate, Priority::Revocation, "revocation", tx.clone());
        let _r2 = contender(&gate, Priority::Revocation, "revocation", tx.clone());
        // Not even a revocation writes before the Retry-After has passed.
        assert_eq!(rx.recv().await, Some("revocation"));
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        // Then one write per interval: a revocation is two.
        assert_eq!(rx.recv().await, Some("revocation"));
        let second = started.elapsed();
        assert!(second >= Duration::from_millis(1100), "{second:?}");
        assert_eq!(rx.recv().await, Some("activation"));
        let third = started.elapsed();
        assert!(third >= Duration::from_millis(1200), "{third:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_connection_activates_nothing_while_a_revocation_is_unconfirmed() {
        let gate = Arc::new(ConnectionGate::new(8, DOCUMENTED_WRITE_INTERVAL));
        gate.hold_for(Duration::from_secs(1), true);
        // A revocation backing off in PostgreSQL: not waiting at the gate.
        gate.set_backlog(1);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let _a = contender(&gate, Priority::Activation, "activation", tx.clone());
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(
            rx.try_recv().is_err(),
            "an activation wrote before the revocation"
        );
        gate.set_backlog(0);
        assert_eq!(rx.recv().await, Some("activation"));
    }

    #[tokio::test(start_paused = true)]
    async fn pacing_ends_once_the_backlog_is_gone() {
        let gate = Arc::new(ConnectionGate::new(8, DOCUMENTED_WRITE_INTERVAL));
        gate.hold_for(Duration::from_secs(1), true);
        drop(gate.acquire(Priority::Revocation).await);
        assert!(gate.paced());
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _slot = gate.acquire(Priority::Activation).await;
        assert!(!gate.paced(), "an idle connection is still paced");
    }

    #[tokio::test]
    async fn a_dropped_revocation_wait_unblocks_activations() {
        let gate = Arc::new(ConnectionGate::new(1, DOCUMENTED_WRITE_INTERVAL));
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
