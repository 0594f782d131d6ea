//! What the requesters did and hold: one record per lease request, the drill's side of
//! the story that the checks hold against Entra (the emulator) and the event store.

use std::time::Duration;

use rand::Rng;

/// What a requester does with a lease once it has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Lets it expire.
    Expire,
    /// Renews it once halfway through, then lets it expire.
    Renew,
    /// Revokes it early.
    Revoke,
    /// Takes a long TTL: it must still be live, and working, at the end.
    Live,
}

impl Plan {
    /// Draws the plan of a lane's `index`-th of `count` leases: only a lane's last lease
    /// may be `Live` (a live lease blocks its secret).
    pub fn draw(rng: &mut impl Rng, index: usize, count: usize) -> Plan {
        if index + 1 == count && rng.gen_bool(0.3) {
            return Plan::Live;
        }
        match rng.gen_range(0..100) {
            0..=34 => Plan::Expire,
            35..=64 => Plan::Renew,
            _ => Plan::Revoke,
        }
    }

    /// The TTL to ask for: 2–10 s, or an hour for `Live`.
    pub fn ttl(self, rng: &mut impl Rng) -> Duration {
        match self {
            Plan::Live => Duration::from_secs(3600),
            _ => Duration::from_secs(rng.gen_range(2..=10)),
        }
    }

    /// Short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Plan::Expire => "expire",
            Plan::Renew => "renew",
            Plan::Revoke => "revoke",
            Plan::Live => "live",
        }
    }
}

/// One lease request and everything the requester learnt about it.
#[derive(Clone, Debug)]
pub struct Record {
    /// `Leasehold-Request-Id`, unique per request (reused only for retries).
    pub request_id: String,
    /// The requesting actor.
    pub actor: String,
    /// The secret asked for.
    pub secret: String,
    /// The Entra user behind it.
    pub upn: String,
    /// What the requester meant to do.
    pub plan: Plan,
    /// Every distinct lease id the replies to this request id named (one, if all is well).
    pub lease_ids: Vec<String>,
    /// The password the requester holds, from the reply or `lease.get` credentials.
    pub password: Option<String>,
    /// `lease.create` attempts sent for this request id.
    pub attempts: u32,
    /// Attempts that got no answer (a killed command process, NATS down).
    pub unanswered: u32,
    /// Why the requester gave up, if it did.
    pub gave_up: Option<String>,
}

impl Record {
    /// A fresh record.
    pub fn new(request_id: String, actor: &str, secret: &str, upn: &str, plan: Plan) -> Self {
        Record {
            request_id,
            actor: actor.to_string(),
            secret: secret.to_string(),
            upn: upn.to_string(),
            plan,
            lease_ids: Vec::new(),
            password: None,
            attempts: 0,
            unanswered: 0,
            gave_up: None,
        }
    }

    /// Notes a lease id a reply named.
    pub fn saw_lease(&mut self, id: &str) {
        if !self.lease_ids.iter().any(|l| l == id) {
            self.lease_ids.push(id.to_string());
        }
    }

    /// The lease, when the replies agreed on one.
    pub fn lease_id(&self) -> Option<&str> {
        match self.lease_ids.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

/// Secret name and UPN of generated user `i` (1-based) under the drill's prefix.
pub fn secret_of(i: usize) -> (String, String) {
    (
        format!("d-user{i:04}"),
        format!("user{i:04}@{}", entra_emulator::DEMO_DOMAIN),
    )
}
