//! Who may do what to which secrets. NATS permissions authenticate the actor (it is a
//! token of the subject); this policy authorises the operation.

use leasehold_api::Permission;
use serde::{Deserialize, Serialize};

/// The authorisation policy, from the `[policy]` section of the configuration.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Actors that may do everything, including reading any lease's credential.
    #[serde(default)]
    pub admins: Vec<String>,
    /// Grants for everybody else.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Actors that may ask on behalf of another actor (the HTTP gateway's NATS actor):
    /// they name it in the `Leasehold-On-Behalf-Of` header, and the rules and admins
    /// above apply to the actor named, not to the delegate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delegates: Vec<String>,
    /// Entra app roles (e.g. `Leasehold.Admin`) that make an actor an admin when a
    /// delegate vouches for them (header `Leasehold-On-Behalf-Of-Roles`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin_roles: Vec<String>,
}

/// One grant: these actors may run these operations on secrets matching these patterns.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Actor names; `*` for every actor.
    pub actors: Vec<String>,
    /// Operations such as `lease.create`, `lease.*`, `secret.get`, or `*`.
    pub ops: Vec<String>,
    /// Secret name patterns: exact, `prefix*`, or `*`.
    #[serde(default = "all")]
    pub secrets: Vec<String>,
}

fn all() -> Vec<String> {
    vec!["*".to_string()]
}

/// Whether `op` reaches beyond an actor's own leases (`leasehold_api::Permission::EXPLICIT`):
/// only a rule naming it exactly (or `*`, every operation) grants it; `lease.*` does not.
fn is_explicit(op: &str) -> bool {
    Permission::EXPLICIT.iter().any(|p| p.name() == op)
}

fn op_matches(pattern: &str, op: &str) -> bool {
    if is_explicit(op) {
        pattern == op || pattern == "*"
    } else {
        matches(pattern, op)
    }
}

fn matches(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

impl Policy {
    /// A policy under which every actor is an admin (the demo and tests use it).
    pub fn allow_all() -> Self {
        Self {
            admins: Vec::new(),
            rules: vec![Rule {
                actors: all(),
                ops: all(),
                secrets: all(),
            }],
            delegates: Vec::new(),
            admin_roles: Vec::new(),
        }
    }

    /// This policy with `actor` among the admins: what applies to one request whose
    /// delegate vouched for one of the `admin_roles`.
    pub fn with_admin(&self, actor: &str) -> Policy {
        let mut policy = self.clone();
        policy.admins.push(actor.to_string());
        policy
    }

    /// Whether any of `roles` is one of the `admin_roles`.
    pub fn grants_admin(&self, roles: &[&str]) -> bool {
        roles
            .iter()
            .any(|r| self.admin_roles.iter().any(|a| a == r))
    }

    /// Whether `actor` may ask on behalf of other actors.
    pub fn is_delegate(&self, actor: &str) -> bool {
        self.delegates.iter().any(|a| a == actor)
    }

    /// Whether `actor` is an admin.
    pub fn is_admin(&self, actor: &str) -> bool {
        self.admins.iter().any(|a| a == actor)
    }

    /// Whether `actor` may run `op` (on `secret`, when the operation concerns one).
    /// Connection operations and listings across secrets need a rule whose secrets
    /// pattern is `*`, or admin rights.
    pub fn allows(&self, actor: &str, op: &str, secret: Option<&str>) -> bool {
        if self.is_admin(actor) {
            return true;
        }
        self.rules.iter().any(|rule| {
            rule.actors.iter().any(|a| a == "*" || a == actor)
                && rule.ops.iter().any(|o| op_matches(o, op))
                && rule.secrets.iter().any(|s| match secret {
                    Some(name) => matches(s, name),
                    None => s == "*",
                })
        })
    }

    /// Whether some grant lets `actor` run `op` on at least one secret name starting with
    /// `prefix`: a cheap check before work that would otherwise reveal facts (such as
    /// which Entra users exist) to an actor who can never complete the operation.
    pub fn may_on_prefix(&self, actor: &str, op: &str, prefix: &str) -> bool {
        self.is_admin(actor)
            || self.rules.iter().any(|rule| {
                rule.actors.iter().any(|a| a == "*" || a == actor)
                    && rule.ops.iter().any(|o| op_matches(o, op))
                    && rule.secrets.iter().any(|s| match s.strip_suffix('*') {
                        Some(p) => p.starts_with(prefix) || prefix.starts_with(p),
                        None => s.starts_with(prefix),
                    })
            })
    }

    /// Whether `actor` may see `secret` in listings (any grant on it).
    pub fn can_see(&self, actor: &str, secret: &str) -> bool {
        self.is_admin(actor)
            || self.rules.iter().any(|rule| {
                rule.actors.iter().any(|a| a == "*" || a == actor)
                    && rule.secrets.iter().any(|s| matches(s, secret))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            admins: vec!["root".into()],
            rules: vec![
                Rule {
                    actors: vec!["alice".into()],
                    ops: vec!["lease.*".into(), "secret.get".into()],
                    secrets: vec!["ops-*".into()],
                },
                Rule {
                    actors: vec!["bob".into()],
                    ops: vec!["secret.list".into()],
                    secrets: vec!["*".into()],
                },
            ],
            delegates: Vec::new(),
            admin_roles: Vec::new(),
        }
    }

    #[test]
    fn rules_match_actor_op_and_secret() {
        let p = policy();
        assert!(p.allows("root", "connection.create", None));
        assert!(p.allows("alice", "lease.create", Some("ops-db")));
        assert!(p.allows("alice", "lease.revoke", Some("ops-db")));
        assert!(!p.allows("alice", "lease.create", Some("prod-db")));
        assert!(!p.allows("alice", "secret.delete", Some("ops-db")));
        assert!(!p.allows("bob", "lease.create", Some("ops-db")));
        assert!(!p.allows("alice", "connection.create", None));
        assert!(p.allows("bob", "secret.list", None));
        assert!(p.can_see("alice", "ops-db"));
        assert!(p.may_on_prefix("alice", "lease.create", "ops-"));
        assert!(!p.may_on_prefix("alice", "lease.create", "prod-"));
        assert!(!p.may_on_prefix("alice", "secret.create", "ops-"));
        assert!(p.may_on_prefix("root", "secret.create", "anything-"));
        assert!(!p.can_see("alice", "prod-db"));
    }

    #[test]
    fn wildcards_do_not_grant_powers_over_other_actors_leases() {
        let mut p = policy();
        for op in Permission::EXPLICIT.iter().map(|p| p.name()) {
            assert!(!p.allows("alice", op, Some("ops-db")), "{op}");
            assert!(p.allows("root", op, Some("ops-db")), "{op}");
        }
        p.rules.push(Rule {
            actors: vec!["alice".into()],
            ops: vec!["lease.force_revoke".into()],
            secrets: vec!["ops-*".into()],
        });
        assert!(p.allows("alice", "lease.force_revoke", Some("ops-db")));
        assert!(!p.allows("alice", "lease.revoke_any", Some("ops-db")));
        assert!(Policy::allow_all().allows("anyone", "lease.force_revoke", Some("x")));
    }

    #[test]
    fn parses_from_toml() {
        let p: Policy = toml::from_str(
            r#"
            admins = ["root"]
            [[rules]]
            actors = ["alice"]
            ops = ["lease.*"]
            secrets = ["ops-*"]
            "#,
        )
        .expect("policy");
        assert_eq!(p.rules[0].secrets, vec!["ops-*"]);
        assert!(toml::from_str::<Policy>("admins = []\nunknown = 1").is_err());
    }
}
