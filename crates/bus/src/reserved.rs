//! Names that must never be an actor or part of the subject prefix, because NATS
//! permissions are granted by subject and a collision would let one identity's subjects
//! pass for another's.
//!
//! With prefix `p`, installation subjects are `p.cmd.<actor>.…`, `p.query.<actor>.…` and
//! `p.evt.…`. If a prefix could contain `cmd` (say `p.cmd`), its events
//! `p.cmd.evt.…` would be commands of actor `evt` of installation `p`; if an actor could
//! be named `evt`, permissions written for it would read like event subjects. So:
//! prefix tokens are never `cmd`, `query` or `evt`; actors are never `cmd`, `query`,
//! `evt` or `system` (the last would pass for leasehold's own `system:<component>`
//! actors in the audit trail); and the prefix never starts in the `_INBOX` namespace
//! where replies travel. Comparisons ignore ASCII case, so `EVT` is as reserved as `evt`.

use crate::SubjectError;

/// Tokens leasehold itself uses right after the prefix.
pub const STRUCTURE_TOKENS: &[&str] = &["cmd", "query", "evt"];

/// Names no actor may take.
pub const RESERVED_ACTORS: &[&str] = &["cmd", "query", "evt", "system"];

/// Inbox prefix under which replies to actor `actor` travel: `_INBOX_<actor>`.
///
/// Clients connect with it ([`crate::connect_with_inbox`]) and NATS lets each user
/// subscribe to `_INBOX_<user>.>` only.
pub fn actor_inbox_prefix(actor: &str) -> String {
    format!("_INBOX_{actor}")
}

/// Whether `actor` is one of [`RESERVED_ACTORS`] (in any case).
pub fn is_reserved_actor(actor: &str) -> bool {
    RESERVED_ACTORS
        .iter()
        .any(|r| r.eq_ignore_ascii_case(actor))
}

/// Refuses a prefix with a [`STRUCTURE_TOKENS`] token or in the `_INBOX` namespace.
pub fn check_prefix_reserved(prefix: &str) -> Result<(), SubjectError> {
    let inbox = prefix
        .get(..6)
        .is_some_and(|head| head.eq_ignore_ascii_case("_INBOX"));
    let structural = prefix
        .split('.')
        .any(|t| STRUCTURE_TOKENS.iter().any(|r| r.eq_ignore_ascii_case(t)));
    if inbox || structural {
        Err(SubjectError::ReservedPrefix(prefix.to_string()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_tokens_and_inboxes_are_not_prefixes() {
        for bad in [
            "cmd",
            "a.cmd",
            "query.b",
            "x.EVT.y",
            "_INBOX",
            "_inbox_alice.x",
        ] {
            assert!(check_prefix_reserved(bad).is_err(), "{bad}");
        }
        for good in [
            "leasehold",
            "acme.leasehold",
            "cmds",
            "evt2",
            "system",
            "inbox",
        ] {
            assert!(check_prefix_reserved(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn reserved_actors_ignore_case() {
        for bad in ["cmd", "Query", "EVT", "system"] {
            assert!(is_reserved_actor(bad), "{bad}");
        }
        for good in ["alice", "systemd", "evt-reader", "admin"] {
            assert!(!is_reserved_actor(good), "{good}");
        }
        assert_eq!(actor_inbox_prefix("bob"), "_INBOX_bob");
    }
}
