//! Where the time goes: stage timings read back from the event store, process memory.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use leasehold_api::events::LeaseEventType;
use sqlx::PgPool;

use crate::driver::Sample;
use crate::stats::Latencies;

/// The recorded times of one lease's events.
#[derive(Clone, Debug, Default)]
pub struct LeaseTimes {
    /// `LeaseRequested` recorded.
    pub requested: Option<DateTime<Utc>>,
    /// The `expires_at` it was requested with.
    pub expires_at: Option<DateTime<Utc>>,
    /// `LeaseActivated` recorded.
    pub activated: Option<DateTime<Utc>>,
    /// `LeaseRevocationRequested` recorded.
    pub revocation_requested: Option<DateTime<Utc>>,
    /// `LeaseRevoked` recorded.
    pub revoked: Option<DateTime<Utc>>,
    /// When the relay published `LeaseRequested`, `LeaseActivated` and
    /// `LeaseRevocationRequested` to JetStream (outbox `published_at`).
    pub published: [Option<DateTime<Utc>>; 3],
}

/// Event times of the given leases (`recorded_at` is the appending transaction's start).
pub async fn lease_times(
    pool: &PgPool,
    lease_ids: &[String],
) -> anyhow::Result<HashMap<String, LeaseTimes>> {
    let rows: Vec<(String, String, DateTime<Utc>, Option<String>)> = sqlx::query_as(
        "SELECT aggregate_id, event_type, recorded_at,
                payload -> 'LeaseRequested' ->> 'expires_at'
           FROM events
          WHERE aggregate_type = 'Lease' AND aggregate_id = ANY($1)
            AND event_type IN ('LeaseRequested', 'LeaseActivated',
                               'LeaseRevocationRequested', 'LeaseRevoked')",
    )
    .bind(lease_ids)
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<String, LeaseTimes> = HashMap::new();
    for (id, event_type, at, expires) in rows {
        let t = out.entry(id).or_default();
        match LeaseEventType::parse(&event_type) {
            Some(LeaseEventType::LeaseRequested) => {
                t.requested = Some(at);
                t.expires_at = expires
                    .and_then(|e| DateTime::parse_from_rfc3339(&e).ok())
                    .map(|e| e.with_timezone(&Utc));
            }
            Some(LeaseEventType::LeaseActivated) => t.activated = Some(at),
            Some(LeaseEventType::LeaseRevocationRequested) => t.revocation_requested = Some(at),
            Some(LeaseEventType::LeaseRevoked) => t.revoked = Some(at),
            _ => {}
        }
    }
    let published: Vec<(String, String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT aggregate_id, event_type, published_at FROM outbox
          WHERE aggregate_type = 'Lease' AND aggregate_id = ANY($1)
            AND event_type IN ('LeaseRequested', 'LeaseActivated', 'LeaseRevocationRequested')",
    )
    .bind(lease_ids)
    .fetch_all(pool)
    .await?;
    for (id, event_type, at) in published {
        let Some(t) = out.get_mut(&id) else { continue };
        let slot = match LeaseEventType::parse(&event_type) {
            Some(LeaseEventType::LeaseRequested) => 0,
            Some(LeaseEventType::LeaseActivated) => 1,
            _ => 2,
        };
        t.published[slot] = at;
    }
    Ok(out)
}

/// Milliseconds from `a` to `b`.
pub fn between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e3
}

/// The stages of `lease.create` for the active samples, from the events' `recorded_at`
/// and the outbox's `published_at`.
pub async fn issue_stages(
    pool: &PgPool,
    samples: &[Sample],
) -> anyhow::Result<Vec<(&'static str, Latencies)>> {
    let ids: Vec<String> = samples.iter().filter_map(|s| s.lease_id.clone()).collect();
    let times = lease_times(pool, &ids).await?;
    let names = [
        "sent → LeaseRequested appended (command service)",
        "→ LeaseRequested published (relay)",
        "→ LeaseActivated appended (JetStream, worker, Graph)",
        "→ LeaseActivated published (relay)",
        "→ reply received (JetStream, command service, credential)",
    ];
    let mut stages: Vec<(&'static str, Latencies)> =
        names.iter().map(|n| (*n, Latencies::default())).collect();
    for s in samples {
        let Some(t) = s.lease_id.as_ref().and_then(|id| times.get(id)) else {
            continue;
        };
        let (Some(req), Some(req_pub), Some(act), Some(act_pub)) =
            (t.requested, t.published[0], t.activated, t.published[1])
        else {
            continue;
        };
        let replied = s.sent_at + chrono::Duration::from_std(s.latency).unwrap_or_default();
        let points = [s.sent_at, req, req_pub, act, act_pub, replied];
        for (i, w) in points.windows(2).enumerate() {
            stages[i].1.push_ms(between(w[0], w[1]));
        }
    }
    Ok(stages)
}
/// `VmRSS` and `VmHWM` of a process, in KiB.
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
