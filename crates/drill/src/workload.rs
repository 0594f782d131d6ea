//! The requesters: one lane per secret takes that secret's leases one after another
//! (the next request meets `lease_conflict` until the last lease is released), each with
//! its own `Leasehold-Request-Id`, retried with the same id until something answers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{stream, StreamExt};
use leasehold::client::{ApiClient, ApiError};
use leasehold_api::{ErrorCode, Operation};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use tokio::time::{sleep, Instant};

use crate::ledger::{secret_of, Plan, Record};
use crate::opts::Sizes;

/// How long one request id may take to get a lease before the requester gives up.
const CREATE_WITHIN: Duration = Duration::from_secs(240);
/// Distinct requesting actors.
const ACTORS: usize = 8;

/// Counters the drill prints while it runs and in the summary.
#[derive(Default)]
pub struct Progress {
    /// Lease requests finished (answered or given up).
    pub done: AtomicUsize,
    /// Replies by outcome (`ok`, error codes, `no_answer`).
    pub replies: Mutex<BTreeMap<String, u64>>,
}

impl Progress {
    fn count(&self, what: &str) {
        if let Ok(mut m) = self.replies.lock() {
            *m.entry(what.to_string()).or_default() += 1;
        }
    }

    fn note<T>(&self, result: &Result<T, ApiError>) {
        match result {
            Ok(_) => self.count("ok"),
            Err(ApiError::Refused { code, .. }) => self.count(code.as_str()),
            Err(_) => self.count("no_answer"),
        }
    }
}

/// Runs every lane, `sizes.concurrency` at a time; returns the records of all requests.
pub async fn run(
    client: ApiClient,
    sizes: &Sizes,
    seed: u64,
    progress: Arc<Progress>,
) -> Vec<Record> {
    let (per, extra) = (sizes.leases / sizes.secrets, sizes.leases % sizes.secrets);
    let tag = format!("drill-{seed:x}");
    let lanes = (1..=sizes.secrets).map(|s| {
        let count = per + usize::from(s <= extra);
        let client = client.as_actor(&format!("req{}", s % ACTORS));
        let lane = Lane {
            client,
            secret: s,
            tag: tag.clone(),
            progress: progress.clone(),
        };
        async move { lane.run(count, seed.wrapping_add(s as u64)).await }
    });
    stream::iter(lanes)
        .buffer_unordered(sizes.concurrency)
        .flat_map(stream::iter)
        .collect()
        .await
}

struct Lane {
    client: ApiClient,
    secret: usize,
    tag: String,
    progress: Arc<Progress>,
}

impl Lane {
    async fn run(&self, count: usize, seed: u64) -> Vec<Record> {
        let mut rng = StdRng::seed_from_u64(seed);
        let (secret, upn) = secret_of(self.secret);
        let actor = format!("req{}", self.secret % ACTORS);
        let mut out = Vec::with_capacity(count);
        for j in 0..count {
            let plan = Plan::draw(&mut rng, j, count);
            let ttl = plan.ttl(&mut rng);
            let id = format!("{}-{}-{j}", self.tag, self.secret);
            let mut rec = Record::new(id, &actor, &secret, &upn, plan);
            let pending = self.create(&mut rec, ttl).await;
            if let (Some(lease), None) = (rec.lease_id().map(str::to_string), &rec.gave_up) {
                if let Some(expires) = pending {
                    self.fetch_credential(&mut rec, &lease, expires).await;
                }
                self.act(plan, &lease, ttl, &mut rng).await;
            }
            self.progress.done.fetch_add(1, Ordering::Relaxed);
            out.push(rec);
        }
        out
    }

    /// Sends `lease.create` until it is answered with a lease; when the lease is pending,
    /// returns when it expires (as an `Instant`, approximately) to bound the polling.
    async fn create(&self, rec: &mut Record, ttl: Duration) -> Option<Option<Instant>> {
        let payload = json!({ "secret": rec.secret, "ttl": ttl.as_secs() });
        let deadline = Instant::now() + CREATE_WITHIN;
        let mut conflict_wait = Duration::from_millis(250);
        loop {
            rec.attempts += 1;
            let reply = self
                .client
                .command_with_id(Operation::LeaseCreate, &payload, &rec.request_id)
                .await;
            self.progress.note(&reply);
            let wait = match reply {
                Ok(v) => {
                    if let Some(id) = v["lease"]["lease_id"].as_str() {
                        rec.saw_lease(id);
                    }
                    if let Some(pw) = v["credential"]["password"].as_str() {
                        rec.password = Some(pw.to_string());
                    }
                    if v["status"] != "pending" {
                        return None;
                    }
                    let expires = v["lease"]["expires_at"]
                        .as_str()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| {
                            let left = t.with_timezone(&chrono::Utc) - chrono::Utc::now();
                            Instant::now() + left.to_std().unwrap_or(Duration::ZERO)
                        });
                    return Some(expires);
                }
                Err(ApiError::Refused { code, details, .. }) => match code {
                    // The lease exists but is no longer (or never) active: nothing to hold.
                    ErrorCode::LeaseNotActive | ErrorCode::ActivationFailed => {
                        if let Some(id) = details["lease"]["lease_id"].as_str() {
                            rec.saw_lease(id);
                        }
                        return None;
                    }
                    ErrorCode::LeaseConflict => {
                        conflict_wait = (conflict_wait * 2).min(Duration::from_secs(2));
                        conflict_wait
                    }
                    ErrorCode::Unavailable
                    | ErrorCode::Conflict
                    | ErrorCode::Internal
                    | ErrorCode::RateLimited => Duration::from_millis(500),
                    other => {
                        rec.gave_up = Some(format!("{} refused: {other}", Operation::LeaseCreate));
                        return None;
                    }
                },
                Err(_) => {
                    rec.unanswered += 1;
                    Duration::from_millis(200)
                }
            };
            if Instant::now() + wait > deadline {
                rec.gave_up = Some(format!("no lease within {CREATE_WITHIN:?}"));
                return None;
            }
            sleep(jitter(wait)).await;
        }
    }

    /// Polls `lease.get` with credentials, backing off, until the lease is active, ended,
    /// or past its expiry (`expires`, from the pending reply) with no credential.
    async fn fetch_credential(&self, rec: &mut Record, lease: &str, expires: Option<Instant>) {
        let deadline = expires
            .map(|e| e + Duration::from_secs(5))
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(60))
            .min(Instant::now() + Duration::from_secs(300));
        let ask = json!({ "lease_id": lease, "credentials": true });
        let mut wait = Duration::from_millis(500);
        while Instant::now() < deadline {
            let reply = self.client.query(Operation::LeaseGet, &ask).await;
            self.progress.note(&reply);
            match reply {
                Ok(v) => {
                    if let Some(pw) = v["credential"]["password"].as_str() {
                        rec.password = Some(pw.to_string());
                        return;
                    }
                }
                Err(ApiError::Refused { code, details, .. })
                    if code == ErrorCode::LeaseNotActive && details["status"] != "requested" =>
                {
                    return;
                }
                Err(_) => {}
            }
            sleep(jitter(wait)).await;
            wait = (wait * 3 / 2).min(Duration::from_secs(3));
        }
    }

    /// Renews or revokes as planned.
    async fn act(&self, plan: Plan, lease: &str, ttl: Duration, rng: &mut StdRng) {
        let (op, after, payload) = match plan {
            Plan::Expire | Plan::Live => return,
            Plan::Renew => {
                let next = rng.gen_range(2..=10u64);
                (
                    Operation::LeaseRenew,
                    ttl / 2,
                    json!({ "lease_id": lease, "ttl": next }),
                )
            }
            Plan::Revoke => {
                let after = Duration::from_millis(rng.gen_range(300..1500));
                (Operation::LeaseRevoke, after, json!({ "lease_id": lease }))
            }
        };
        sleep(after).await;
        self.send(op, &payload).await;
    }

    /// Sends a command until something answers (at most a minute).
    async fn send(&self, op: Operation, payload: &Value) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let reply = self.client.command(op, payload).await;
            self.progress.note(&reply);
            match reply {
                Err(ApiError::NoAnswer { .. }) | Err(ApiError::Malformed(_)) => {}
                Err(ApiError::Refused {
                    code: ErrorCode::Unavailable,
                    ..
                }) => {}
                _ => return,
            }
            sleep(jitter(Duration::from_millis(200))).await;
        }
    }
}

/// `d` ± 25 %.
fn jitter(d: Duration) -> Duration {
    d.mul_f64(rand::thread_rng().gen_range(0.75..1.25))
}

/// The client the requesters share (replies within 10 s or count as unanswered).
pub fn client(nats: async_nats::Client, prefix: &str) -> anyhow::Result<ApiClient> {
    let subjects = leasehold_bus::Subjects::new(prefix)?;
    Ok(ApiClient::new(nats, subjects, "drill").with_timeout(Duration::from_secs(10)))
}
