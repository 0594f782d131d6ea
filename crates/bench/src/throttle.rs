//! Reading the throttled-tenant run back: Graph writes from the emulator's request log,
//! revocation intervals from the event store.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entra_emulator::{LoggedRequest, RequestKind, ThrottleConfig};
use serde_json::{json, Value};

use crate::probe::{between, LeaseTimes};
use crate::stats::Latencies;
use crate::{Row, Verdict};

/// Which users' writes are revocations and which activations.
pub struct Classes {
    /// Object ids of the users whose leases expire.
    pub revoking: HashSet<String>,
    /// Object ids of the users new leases are requested on.
    pub activating: HashSet<String>,
}

/// What the run did.
#[derive(Debug, Default)]
pub struct Analysis {
    allowed: f64,
    revocation_ok: usize,
    revocation_429: usize,
    activation_ok: usize,
    activation_429: usize,
    window_secs: f64,
    window_writes: usize,
    window_rejected: usize,
    window_revoked: usize,
    drain_secs: f64,
    granted_while_waiting: usize,
    /// New leases requested meanwhile: id, requested, activated.
    pub new_leases: Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)>,
}

fn write_target(r: &LoggedRequest) -> Option<&str> {
    if r.kind != RequestKind::Graph {
        return None;
    }
    let rest = r.path.strip_prefix("/v1.0/users/")?;
    match (r.method.as_str(), rest.split_once('/')) {
        ("PATCH", None) => Some(rest),
        ("POST", Some((id, "revokeSignInSessions"))) => Some(id),
        _ => None,
    }
}

/// Classifies every Graph write of `log` and measures the throttled window: from the
/// first 429 to the last accepted revocation write.
pub fn analyse(
    log: &[LoggedRequest],
    classes: &Classes,
    times: &HashMap<String, LeaseTimes>,
    allowed: f64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Analysis {
    let mut a = Analysis {
        allowed,
        ..Default::default()
    };
    let writes: Vec<(&LoggedRequest, bool)> = log
        .iter()
        .filter(|r| r.at >= from && r.at <= to)
        .filter_map(|r| {
            let id = write_target(r)?;
            if classes.revoking.contains(id) {
                Some((r, true))
            } else if classes.activating.contains(id) {
                Some((r, false))
            } else {
                None
            }
        })
        .collect();
    let mut pending: Vec<(DateTime<Utc>, DateTime<Utc>)> = times
        .values()
        .filter_map(|t| Some((t.revocation_requested?, t.revoked?)))
        .collect();
    pending.sort();
    let first_429 = writes
        .iter()
        .filter(|(r, _)| r.status == 429)
        .map(|(r, _)| r.at)
        .min();
    for (r, revoking) in &writes {
        let ok = r.status < 300;
        match (revoking, ok) {
            (true, true) => a.revocation_ok += 1,
            (true, false) => a.revocation_429 += usize::from(r.status == 429),
            (false, true) => a.activation_ok += 1,
            (false, false) => a.activation_429 += usize::from(r.status == 429),
        }
        let throttled = first_429.is_some_and(|f| r.at >= f);
        if !revoking && ok && throttled && pending.iter().any(|(s, e)| *s <= r.at && r.at < *e) {
            a.granted_while_waiting += 1;
        }
    }
    let first_429 = writes
        .iter()
        .filter(|(r, _)| r.status == 429)
        .map(|(r, _)| r.at)
        .min();
    let last_rev = writes
        .iter()
        .filter(|(r, rev)| *rev && r.status < 300)
        .map(|(r, _)| r.at)
        .max();
    if let (Some(s), Some(e)) = (first_429, last_rev) {
        a.window_secs = between(s, e) / 1e3;
        a.window_writes = writes
            .iter()
            .filter(|(r, _)| r.status < 300 && r.at > s && r.at <= e)
            .count();
        a.window_rejected = writes
            .iter()
            .filter(|(r, _)| r.status == 429 && r.at >= s && r.at <= e)
            .count();
        a.window_revoked = pending
            .iter()
            .filter(|(_, end)| *end > s && *end <= e)
            .count();
    }
    let first_due = times.values().filter_map(|t| t.expires_at).min();
    let last_revoked = pending.iter().map(|(_, e)| *e).max();
    if let (Some(s), Some(e)) = (first_due, last_revoked) {
        a.drain_secs = between(s, e) / 1e3;
    }
    a
}

impl Analysis {
    /// Table rows, raw figures and notes.
    pub fn report(
        &self,
        throttle: &ThrottleConfig,
        failed_attempts: i64,
        revoked: i64,
        leases: usize,
    ) -> (Vec<Row>, Value, Vec<String>) {
        let rate = self.window_writes as f64 / self.window_secs.max(1e-9);
        let used = rate / self.allowed;
        let rev_rate = self.window_revoked as f64 / self.window_secs.max(1e-9);
        let delay = self.granted_while_waiting as f64 / self.allowed;
        let mut activation = Latencies::default();
        let mut not_active = 0;
        for (_, req, act) in &self.new_leases {
            match act {
                Some(act) => activation.push_ms(between(*req, *act)),
                None => not_active += 1,
            }
        }
        let allowed = format!(
            "allowed {:.1}/s ({} per {} s)",
            self.allowed,
            throttle.writes,
            throttle.per.as_secs()
        );
        let rows = vec![
            Row::target(
                "Graph writes/s accepted while throttled",
                format!("{rate:.1}/s ({:.0}% of allowed)", used * 100.0),
                allowed,
                ">= 95% of allowed",
                Verdict::check(used >= 0.95, || format!("{:.0}% used", used * 100.0)),
            ),
            Row::info(
                "revocations/s while throttled",
                format!("{rev_rate:.1}/s"),
                format!("allowed {:.1}/s (2 writes each)", self.allowed / 2.0),
            ),
            Row::info(
                "revocations confirmed, first expiry → last",
                format!("{revoked} / {leases} in {:.0} s", self.drain_secs),
                "",
            ),
            Row::info(
                "429s: revocation writes / activation writes",
                format!("{} / {}", self.revocation_429, self.activation_429),
                format!("{failed_attempts} RevocationAttemptFailed events"),
            ),
            Row::info(
                "writes rejected (429) while throttled, each costing a token",
                format!(
                    "{} ({:.1}/s)",
                    self.window_rejected,
                    self.window_rejected as f64 / self.window_secs.max(1e-9)
                ),
                "",
            ),
            Row::info(
                "writes accepted: revocation / activation",
                format!("{} / {}", self.revocation_ok, self.activation_ok),
                "",
            ),
            Row::target(
                "activation writes granted while revocations waited",
                format!(
                    "{} (≈ {delay:.1} s of revocation capacity)",
                    self.granted_while_waiting
                ),
                "",
                "0: never behind activations",
                Verdict::check(self.granted_while_waiting == 0, || {
                    format!("{delay:.1} s behind activations")
                }),
            ),
            Row::info(
                "new leases meanwhile: activated / requested",
                format!(
                    "{} / {} (requested → activated p50/p99/max {})",
                    self.new_leases.len() - not_active,
                    self.new_leases.len(),
                    activation.clone().summary()
                ),
                "",
            ),
        ];
        let data = json!({
            "allowed_writes_per_sec": self.allowed, "window_secs": self.window_secs,
            "window_writes": self.window_writes, "window_rejected": self.window_rejected, "writes_per_sec": rate, "used": used,
            "revocations_per_sec": rev_rate, "drain_secs": self.drain_secs,
            "revocation_429": self.revocation_429, "activation_429": self.activation_429,
            "revocation_writes_ok": self.revocation_ok, "activation_writes_ok": self.activation_ok,
            "granted_while_waiting": self.granted_while_waiting,
            "revocation_attempt_failed_events": failed_attempts,
            "new_lease_activation": activation.to_json(), "new_leases_not_active": not_active,
        });
        let notes = vec![
            "The bucket starts full when throttling is switched on (an idle tenant), so the \
             first writes pass at once; the rate is measured from the first 429 to the last \
             accepted revocation write, when the bucket is the limit."
                .into(),
            "A granted activation write is counted as taken from waiting revocations when it \
             was accepted after the first 429 while some expired lease sat between \
             LeaseRevocationRequested and LeaseRevoked; each such write costs the \
             revocations 1/allowed s."
                .into(),
        ];
        (rows, data, notes)
    }
}
