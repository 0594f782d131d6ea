//! Load generators: requesters that create leases over NATS and time the replies.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use leasehold::client::{ApiClient, ApiError};
use leasehold_api::Operation;
use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::stats::Latencies;

/// How one `lease.create` ended.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Replied with the credential.
    Active,
    /// Replied `pending` (activation took longer than the wait).
    Pending,
    /// Refused with this code (e.g. `lease_conflict`), or `no_answer`.
    Refused(String),
}

/// One timed `lease.create`.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The lease, when one was created.
    pub lease_id: Option<String>,
    /// Wall-clock time the request was due (open loop) or sent (closed loop).
    pub sent_at: DateTime<Utc>,
    /// Reply time minus `sent_at`.
    pub latency: Duration,
    /// How it ended.
    pub outcome: Outcome,
}

/// Sends `lease.create` for `secret` and times it from `due` (a monotonic instant taken
/// when the request was due, so a late sender counts against the latency).
pub async fn create_lease(client: &ApiClient, secret: &str, ttl: &str, due: Instant) -> Sample {
    let sent_at = Utc::now() - chrono::Duration::from_std(due.elapsed()).unwrap_or_default();
    let result = client
        .command(
            Operation::LeaseCreate,
            &json!({ "secret": secret, "ttl": ttl }),
        )
        .await;
    let latency = due.elapsed();
    let (lease_id, outcome) = match result {
        Ok(v) => {
            let id = v["lease"]["lease_id"].as_str().map(str::to_string);
            match (
                v["status"].as_str(),
                v["credential"]["password"].is_string(),
            ) {
                (Some("active"), true) => (id, Outcome::Active),
                _ => (id, Outcome::Pending),
            }
        }
        Err(ApiError::Refused { code, message, .. }) => {
            tracing::debug!(%code, %message, operation = Operation::LeaseCreate.name(), "refused");
            (None, Outcome::Refused(code.to_string()))
        }
        Err(_) => (None, Outcome::Refused("no_answer".into())),
    };
    Sample {
        lease_id,
        sent_at,
        latency,
        outcome,
    }
}

/// Revokes `lease_id` without waiting for the reply to matter.
pub fn revoke_in_background(client: &ApiClient, lease_id: &str) {
    let client = client.clone();
    let payload: Value = json!({ "lease_id": lease_id });
    tokio::spawn(async move {
        let _ = client.command(Operation::LeaseRevoke, &payload).await;
    });
}

/// Results of a run.
#[derive(Debug, Default)]
pub struct RunResult {
    /// Every sample.
    pub samples: Vec<Sample>,
    /// Seconds the run took.
    pub secs: f64,
}

impl RunResult {
    /// Latencies of the replies that carried a credential.
    pub fn active_latencies(&self) -> Latencies {
        let mut l = Latencies::default();
        for s in self.samples.iter().filter(|s| s.outcome == Outcome::Active) {
            l.push(s.latency);
        }
        l
    }

    /// Credentials handed out per second.
    pub fn active_per_sec(&self) -> f64 {
        let n = self
            .samples
            .iter()
            .filter(|s| s.outcome == Outcome::Active)
            .count();
        n as f64 / self.secs.max(1e-9)
    }

    /// How many ended which way.
    pub fn outcomes(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for s in &self.samples {
            let key = match &s.outcome {
                Outcome::Active => "active".to_string(),
                Outcome::Pending => "pending".to_string(),
                Outcome::Refused(code) => code.clone(),
            };
            *m.entry(key).or_insert(0) += 1;
        }
        m
    }
}

/// `clients.len()` requesters in a closed loop for `duration`: requester `r` cycles over
/// secrets `r, r + n, r + 2n, …` and revokes each lease it gets right away (in the
/// background, untimed) so its secret is free again by the time it comes round.
pub async fn closed_loop(
    clients: &[ApiClient],
    secrets: &[String],
    duration: Duration,
) -> RunResult {
    let started = Instant::now();
    let n = clients.len();
    let mut handles = Vec::new();
    for (r, client) in clients.iter().enumerate() {
        let mine: Vec<String> = secrets.iter().skip(r).step_by(n).cloned().collect();
        let client = client.clone();
        handles.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut i = 0;
            while started.elapsed() < duration && !mine.is_empty() {
                let secret = &mine[i % mine.len()];
                i += 1;
                let sample = create_lease(&client, secret, "1h", Instant::now()).await;
                if let Some(id) = &sample.lease_id {
                    revoke_in_background(&client, id);
                }
                samples.push(sample);
            }
            samples
        }));
    }
    let mut result = RunResult::default();
    for h in handles {
        result.samples.extend(h.await.unwrap_or_default());
    }
    result.secs = started.elapsed().as_secs_f64();
    result
}

/// An open loop: `rate` requests per second for `duration`, each due on a fixed schedule
/// whatever the replies do (no coordinated omission), over `secrets` round-robin.
/// Leases are revoked right after their reply when `revoke` is set.
pub async fn open_loop(
    clients: &[ApiClient],
    secrets: &[String],
    rate: f64,
    duration: Duration,
    ttl: &str,
    revoke: bool,
) -> RunResult {
    let started = Instant::now();
    let total = (rate * duration.as_secs_f64()).round() as usize;
    let samples = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let mut handles = Vec::with_capacity(total);
    for k in 0..total {
        let due = started + Duration::from_secs_f64(k as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let client = clients[k % clients.len()].clone();
        let secret = secrets[k % secrets.len()].clone();
        let samples = samples.clone();
        let ttl = ttl.to_string();
        handles.push(tokio::spawn(async move {
            let sample = create_lease(&client, &secret, &ttl, due).await;
            if revoke {
                if let Some(id) = &sample.lease_id {
                    revoke_in_background(&client, id);
                }
            }
            samples.lock().await.push(sample);
        }));
    }
    for h in handles {
        let _ = h.await;
    }
    let secs = started.elapsed().as_secs_f64();
    let samples = std::mem::take(&mut *samples.lock().await);
    RunResult { samples, secs }
}

/// Creates one lease on each of `secrets` with `clients.len()` requesters, lease `i` with
/// the whole-second TTL that makes it expire closest to `window_start + i/n × window`.
/// A lease whose slot is already less than 2 s away gets 2 s (it lands outside the
/// window; the caller reports the real spread).
pub async fn issue_expiring(
    clients: &[ApiClient],
    secrets: &[String],
    window_start: DateTime<Utc>,
    window: Duration,
) -> RunResult {
    let started = Instant::now();
    let n = secrets.len().max(1);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut handles = Vec::new();
    for client in clients {
        let (client, next) = (client.clone(), next.clone());
        let secrets = secrets.to_vec();
        handles.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(secret) = secrets.get(i) else {
                    return samples;
                };
                let offset = window.mul_f64(i as f64 / n as f64);
                let target = window_start + chrono::Duration::from_std(offset).unwrap_or_default();
                let secs = (target - Utc::now()).num_milliseconds() as f64 / 1e3;
                let ttl = secs.round().max(2.0) as u64;
                samples
                    .push(create_lease(&client, secret, &format!("{ttl}s"), Instant::now()).await);
            }
        }));
    }
    let mut result = RunResult::default();
    for h in handles {
        result.samples.extend(h.await.unwrap_or_default());
    }
    result.secs = started.elapsed().as_secs_f64();
    result
}
