//! Policies for the tests, written as a line each.

use leasehold_command::{Policy, Rule};

/// `actors` may run `ops` on the secrets matching `secrets`.
pub fn rule(actors: &[&str], ops: &[&str], secrets: &[&str]) -> Rule {
    let owned = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
    Rule {
        actors: owned(actors),
        ops: owned(ops),
        secrets: owned(secrets),
    }
}

/// `admins` may do anything; everyone else only what one of `rules` allows.
pub fn policy(admins: &[&str], rules: Vec<Rule>) -> Policy {
    Policy {
        admins: admins.iter().map(|s| s.to_string()).collect(),
        rules,
        delegates: Vec::new(),
        admin_roles: Vec::new(),
    }
}

/// `admin` is the admin; `actors` may run `ops` on the secrets matching `secrets`.
pub fn one_rule(actors: &[&str], ops: &[&str], secrets: &[&str]) -> Policy {
    policy(&["admin"], vec![rule(actors, ops, secrets)])
}
