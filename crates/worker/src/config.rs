//! Tunables of the worker; `Default` gives production values.

use std::time::Duration;

/// How the worker consumes events and paces its Graph calls.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Concurrent Graph calls per connection (tenant + app); Graph throttles per app.
    pub graph_concurrency: usize,
    /// Once a connection has been throttled, its writes are paced one per this interval
    /// (Entra's documented 3,000 writes per 150 s per app per tenant) until its backlog is
    /// gone.
    pub paced_write_interval: Duration,
    /// Most units of work one step takes (due revocations first, activations fill the rest).
    pub batch_size: usize,
    /// JetStream ack wait of the activation consumer. Progress acks keep a message in flight
    /// while a slow Graph call retries, so this only bounds how long a crashed worker's
    /// messages stay invisible; keep it at least twice the Graph client's retry deadline.
    pub ack_wait: Duration,
    /// How long `run` waits before pulling again after a pull failed (at least 1 s).
    pub idle_poll: Duration,
    /// Activations `run` keeps in flight at once; messages are pulled only for free
    /// places, so none waits in the worker's memory while its ack wait runs.
    pub activations_in_flight: usize,
    /// How long the server holds an activation pull open when nothing is waiting: a
    /// message published meanwhile is delivered at once.
    pub pull_expires: Duration,
    /// First retry delay of the exponential backoff (doubled per failed attempt, jittered).
    pub retry_base: Duration,
    /// Longest delay between activation attempts.
    pub activation_retry_cap: Duration,
    /// Longest delay between revocation attempts while the lease is not yet failing.
    pub revocation_retry_cap: Duration,
    /// Longest delay between revocation attempts once the lease shows `revocation_failing`;
    /// also the most of a `Retry-After` that is honoured.
    pub failing_revocation_retry_cap: Duration,
    /// How long a claimed revocation stays invisible to other workers without a heartbeat
    /// (heartbeats come every third of it): a killed worker's revocations are attempted
    /// again this long after it died.
    pub revocation_claim: Duration,
    /// Longest the revocation loop sleeps with nothing to do. It is woken by a
    /// notification when a revocation becomes due now and sleeps until the earliest later
    /// one, so this only bounds the delay after a lost notification.
    pub revocation_poll: Duration,
    /// Revocations attempted at once by one worker (across connections).
    pub revocations_in_flight: usize,
    /// Test hook: when set and `true`, the next activation "crashes" after Graph accepted
    /// the password and before the append (the flag is cleared; the message is neither
    /// acked nor nakked, exactly like a killed process).
    #[cfg(feature = "fault-hooks")]
    pub crash_after_graph: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            graph_concurrency: 32,
            paced_write_interval: crate::gate::DOCUMENTED_WRITE_INTERVAL,
            batch_size: 16,
            // Twice the Graph client's default retry deadline (30 s).
            ack_wait: Duration::from_secs(60),
            idle_poll: Duration::from_millis(50),
            activations_in_flight: 64,
            pull_expires: Duration::from_secs(5),
            retry_base: Duration::from_secs(1),
            activation_retry_cap: Duration::from_secs(60),
            revocation_retry_cap: Duration::from_secs(60),
            failing_revocation_retry_cap: Duration::from_secs(5 * 60),
            revocation_claim: Duration::from_secs(3),
            revocation_poll: Duration::from_secs(2),
            revocations_in_flight: 64,
            #[cfg(feature = "fault-hooks")]
            crash_after_graph: None,
        }
    }
}

impl WorkerConfig {
    /// True once (and then never again until re-armed) when the crash hook is armed.
    pub(crate) fn take_crash(&self) -> bool {
        #[cfg(feature = "fault-hooks")]
        if let Some(flag) = &self.crash_after_graph {
            return flag.swap(false, std::sync::atomic::Ordering::SeqCst);
        }
        false
    }
}
