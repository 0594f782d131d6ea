//! The end-of-drill checks that hold the requesters' records against the event store:
//! one lease per request id, and expiry on time.

use std::collections::HashMap;

use crate::checks::{Inputs, Outcome};

/// 3. No lease was created twice for one request id (and each request got one lease).
pub fn one_lease_per_request(inp: &Inputs<'_>) -> Outcome {
    let mut problems = Vec::new();
    let mut by_request: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for f in inp.facts.values() {
        let key = (
            f.requested_by.as_deref().unwrap_or("?"),
            f.request_id.as_deref().unwrap_or("?"),
        );
        by_request.entry(key).or_default().push(&f.lease_id);
    }
    for ((actor, rid), leases) in &by_request {
        if leases.len() > 1 {
            problems.push(format!(
                "{actor}/{rid}: {} LeaseRequested ({})",
                leases.len(),
                leases.join(", ")
            ));
        }
    }
    let records = inp.record_of();
    for f in inp
        .facts
        .values()
        .filter(|f| !records.contains_key(f.lease_id.as_str()))
    {
        problems.push(format!(
            "lease {} (request {:?}) was not handed to any requester",
            f.lease_id, f.request_id
        ));
    }
    let retried = inp.records.iter().filter(|r| r.attempts > 1).count();
    for rec in inp.records {
        match (rec.lease_id(), &rec.gave_up) {
            (_, Some(why)) => problems.push(format!("request {}: {why}", rec.request_id)),
            (None, None) => problems.push(format!(
                "request {} was answered with leases {:?}",
                rec.request_id, rec.lease_ids
            )),
            (Some(l), None) => match inp.facts.get(l) {
                Some(f)
                    if f.request_id.as_deref() == Some(&rec.request_id)
                        && f.requested_by.as_deref() == Some(&rec.actor) => {}
                Some(f) => problems.push(format!(
                    "lease {l} answered request {} but records {:?}/{:?}",
                    rec.request_id, f.requested_by, f.request_id
                )),
                None => problems.push(format!(
                    "lease {l} (request {}) is not in the event store",
                    rec.request_id
                )),
            },
        }
    }
    Outcome {
        name: "one lease per request id",
        summary: format!(
            "{} requests, {} leases in the store, {retried} requests retried \
            ({} unanswered attempts)",
            inp.records.len(),
            inp.facts.len(),
            inp.records.iter().map(|r| r.unanswered).sum::<u32>()
        ),
        problems,
    }
}

/// 5. No lease stayed past its expiry longer than `bound_secs`.
pub fn expiry_on_time(inp: &Inputs<'_>, bound_secs: u64) -> Outcome {
    let now = chrono::Utc::now();
    let mut problems = Vec::new();
    let mut late: Vec<f64> = Vec::new();
    for f in inp.facts.values() {
        match (f.status(), f.expires_at, f.revoked_at) {
            (_, Some(exp), Some(rev)) => {
                let secs = (rev - exp).num_milliseconds() as f64 / 1000.0;
                if f.reason.as_deref() == Some("expired") || secs > 0.0 {
                    late.push(secs.max(0.0));
                }
                if secs > bound_secs as f64 {
                    problems.push(format!(
                        "lease {} revoked {secs:.1}s after its expiry",
                        f.lease_id
                    ));
                }
            }
            ("active", Some(exp), None) if exp < now => problems.push(format!(
                "lease {} is active {}s past its expiry",
                f.lease_id,
                (now - exp).num_seconds()
            )),
            (s @ ("requested" | "revoking"), _, _) => {
                problems.push(format!("lease {} is still {s}", f.lease_id))
            }
            _ => {}
        }
    }
    late.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        late.get(((late.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    Outcome {
        name: "expiry on time",
        summary: format!(
            "{} leases revoked at or after expiry: p50 {:.1}s, p99 {:.1}s, max {:.1}s \
            past expiry (bound {bound_secs}s)",
            late.len(),
            pick(0.5),
            pick(0.99),
            pick(1.0)
        ),
        problems,
    }
}
