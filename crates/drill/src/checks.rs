//! The end-of-drill checks that hold the requesters' records against Entra: the
//! emulator's directory, and a real ROPC sign-in. The event-store checks are in
//! `checks_store.rs`; the read-model check in `readmodels.rs`.

use std::collections::HashMap;

use entra_emulator::{EmulatorHandle, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID};
use futures::{stream, StreamExt};
use leasehold::signin::{sign_in, SignIn};

use crate::facts::LeaseFacts;
use crate::ledger::{Plan, Record};

/// Failed sign-ins per user the drill allows itself: the emulator locks a user out after
/// 10 in a row (smart lockout), and a locked-out refusal proves nothing.
const ROPC_PER_USER: usize = 8;

/// The result of one check.
pub struct Outcome {
    /// What was checked.
    pub name: &'static str,
    /// One line of figures.
    pub summary: String,
    /// Everything that was wrong, naming the leases.
    pub problems: Vec<String>,
}

impl Outcome {
    /// Whether nothing was wrong.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What the checks look at.
pub struct Inputs<'a> {
    /// The requesters' records.
    pub records: &'a [Record],
    /// The event store's leases.
    pub facts: &'a HashMap<String, LeaseFacts>,
    /// The emulator.
    pub emulator: EmulatorHandle,
    /// HTTP client for ROPC.
    pub http: reqwest::Client,
}

impl Inputs<'_> {
    pub(crate) fn record_of(&self) -> HashMap<&str, &Record> {
        self.records
            .iter()
            .filter_map(|r| r.lease_id().map(|l| (l, r)))
            .collect()
    }

    pub(crate) fn status(&self, rec: &Record) -> &'static str {
        rec.lease_id()
            .and_then(|l| self.facts.get(l))
            .map_or("missing", LeaseFacts::status)
    }

    /// ROPC sign-ins of `(upn, password)` pairs, 16 at a time.
    async fn sign_ins(
        &self,
        pairs: Vec<(String, String)>,
    ) -> Vec<(String, anyhow::Result<SignIn>)> {
        let base = self.emulator.base_url().to_string();
        stream::iter(pairs)
            .map(|(upn, pw)| {
                let (http, base) = (self.http.clone(), base.clone());
                async move {
                    let r = sign_in(
                        &http,
                        &base,
                        DEMO_TENANT_ID,
                        DEMO_CLIENT_ID,
                        DEMO_CLIENT_SECRET,
                        &upn,
                        &pw,
                    )
                    .await;
                    (upn, r)
                }
            })
            .buffer_unordered(16)
            .collect()
            .await
    }
}

/// 1. Every lease that should be live has exactly one working password, and its
///    requester holds it.
pub async fn live_leases_work(inp: &Inputs<'_>) -> Outcome {
    let records = inp.record_of();
    let mut problems = Vec::new();
    let live: Vec<&LeaseFacts> = inp
        .facts
        .values()
        .filter(|f| f.status() == "active")
        .collect();
    let mut per_user: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut pairs = Vec::new();
    for f in &live {
        let upn = f.upn.as_deref().unwrap_or("?");
        per_user.entry(upn).or_default().push(&f.lease_id);
        let Some(rec) = records.get(f.lease_id.as_str()) else {
            problems.push(format!(
                "active lease {} was not asked for by the drill",
                f.lease_id
            ));
            continue;
        };
        let Some(pw) = &rec.password else {
            problems.push(format!(
                "active lease {}: the requester holds no password",
                f.lease_id
            ));
            continue;
        };
        if inp.emulator.password_matches(DEMO_TENANT_ID, upn, pw) != Some(true) {
            problems.push(format!(
                "active lease {} ({upn}): the held password is not the user's",
                f.lease_id
            ));
        }
        pairs.push((upn.to_string(), pw.clone()));
    }
    for (upn, leases) in &per_user {
        if leases.len() > 1 {
            problems.push(format!(
                "{upn} has {} active leases: {}",
                leases.len(),
                leases.join(", ")
            ));
        }
    }
    let signed = inp.sign_ins(pairs).await;
    let accepted = signed
        .iter()
        .filter(|(_, r)| matches!(r, Ok(SignIn::Accepted)))
        .count();
    for (upn, r) in signed
        .iter()
        .filter(|(_, r)| !matches!(r, Ok(SignIn::Accepted)))
    {
        problems.push(format!(
            "{upn}: the live lease's password does not sign in: {r:?}"
        ));
    }
    for rec in inp.records.iter().filter(|r| r.plan == Plan::Live) {
        let status = inp.status(rec);
        if status != "active" {
            problems.push(format!(
                "request {} (meant to stay live) ended {status}: lease {:?}",
                rec.request_id, rec.lease_ids
            ));
        }
    }
    Outcome {
        name: "live leases work",
        summary: format!(
            "{} active leases; {accepted} held passwords match Entra and sign in",
            live.len()
        ),
        problems,
    }
}

/// 2. Every revoked or expired lease's password fails.
pub async fn ended_passwords_fail(inp: &Inputs<'_>) -> Outcome {
    let mut problems = Vec::new();
    let mut held = 0;
    let mut unheld = 0;
    let mut tries: HashMap<&str, usize> = HashMap::new();
    let mut pairs = Vec::new();
    for rec in inp
        .records
        .iter()
        .filter(|r| inp.status(r) != "active" && r.lease_id().is_some())
    {
        let Some(pw) = &rec.password else {
            unheld += 1;
            continue;
        };
        held += 1;
        if inp.emulator.password_matches(DEMO_TENANT_ID, &rec.upn, pw) != Some(false) {
            problems.push(format!(
                "lease {:?} ({}, {}): its password still works in Entra",
                rec.lease_id(),
                inp.status(rec),
                rec.upn
            ));
        }
        let n = tries.entry(rec.upn.as_str()).or_default();
        if *n < ROPC_PER_USER {
            *n += 1;
            pairs.push((rec.upn.clone(), pw.clone()));
        }
    }
    let signed = inp.sign_ins(pairs).await;
    let mut refused = 0;
    let mut inconclusive = 0;
    for (upn, r) in &signed {
        match r {
            Ok(SignIn::Refused { error, .. }) if error == "invalid_grant" => refused += 1,
            Ok(SignIn::Accepted) => {
                problems.push(format!("{upn}: an ended lease's password still signs in"))
            }
            _ => inconclusive += 1,
        }
    }
    Outcome {
        name: "ended passwords fail",
        summary: format!(
            "{held} ended leases with a held password, none current in Entra; \
             {refused} ROPC refused (invalid_grant), {inconclusive} inconclusive; \
             {unheld} ended before the requester got the password"
        ),
        problems,
    }
}
