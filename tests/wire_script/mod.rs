//! The script of `tests/wire_compat.rs`: every operation, its usual errors, and the
//! normalisation of values that change from run to run.

use serde_json::{json, Map, Value};
use shape::{is_hash, is_time, is_uuid};

use crate::helpers::TestApp;

/// Which subject tree a step is sent on.
#[derive(Clone, Copy)]
pub enum Tree {
    Command,
    Query,
}

/// One request of the script.
pub struct Step {
    /// The step's unique name (the fixture's key).
    pub name: &'static str,
    pub tree: Tree,
    pub op: &'static str,
    payload: Value,
    pub request_id: Option<&'static str>,
    /// Waits until the lease (of the script) shows this status before sending.
    pub wait_status: Option<&'static str>,
    /// A query the read models answer once they caught up: resent until it succeeds
    /// with a non-empty list.
    pub settles: bool,
}

impl Step {
    /// The payload with `$emulator` and `$lease` filled in.
    pub fn payload(&self, app: &TestApp, lease_id: &str) -> Value {
        fill(&self.payload, app.emulator.base_url(), lease_id)
    }
}

fn fill(v: &Value, emulator: &str, lease_id: &str) -> Value {
    match v {
        Value::String(s) if s == "$emulator" => json!(emulator),
        Value::String(s) if s == "$lease" => json!(lease_id),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), fill(v, emulator, lease_id)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| fill(v, emulator, lease_id)).collect()),
        other => other.clone(),
    }
}

fn step(name: &'static str, tree: Tree, op: &'static str, payload: Value) -> Step {
    Step {
        name,
        tree,
        op,
        payload,
        request_id: None,
        wait_status: None,
        settles: matches!(tree, Tree::Query)
            && !name.ends_with(".missing")
            && !name.ends_with("unknown_op"),
    }
}

fn cmd(name: &'static str, op: &'static str, payload: Value) -> Step {
    step(name, Tree::Command, op, payload)
}

fn query(name: &'static str, op: &'static str, payload: Value) -> Step {
    step(name, Tree::Query, op, payload)
}

fn with_id(mut s: Step, id: &'static str) -> Step {
    s.request_id = Some(id);
    s
}

fn after(mut s: Step, status: &'static str) -> Step {
    s.wait_status = Some(status);
    s
}

/// The script, in order. The first `lease.create` step names the lease `$lease` is.
pub fn script() -> Vec<Step> {
    let missing = "01900000-0000-7000-8000-000000000000";
    let secret = json!({ "name": "wire-alice" });
    let lease = json!({ "lease_id": "$lease" });
    vec![
        cmd(
            "connection.create",
            "connection.create",
            json!({
                "name": "contoso",
                "tenant_id": entra_emulator::DEMO_TENANT_ID,
                "client_id": entra_emulator::DEMO_CLIENT_ID,
                "client_secret": entra_emulator::DEMO_CLIENT_SECRET,
                "cloud": { "kind": "custom", "login_url": "$emulator", "graph_url": "$emulator" },
            }),
        ),
        query(
            "connection.get",
            "connection.get",
            json!({ "name": "contoso" }),
        ),
        query("connection.list", "connection.list", json!({})),
        query(
            "users.list",
            "users.list",
            json!({ "connection": "contoso" }),
        ),
        cmd(
            "secret.create",
            "secret.create",
            json!({ "connection": "contoso", "prefix": "wire",
                    "users": ["alice@contoso.onmicrosoft.com"],
                    "default_ttl": "1h", "max_ttl": "2h" }),
        ),
        cmd(
            "secret.create.duplicate",
            "secret.create",
            json!({ "connection": "contoso", "prefix": "wire",
                    "users": ["alice@contoso.onmicrosoft.com"] }),
        ),
        query("secret.get", "secret.get", secret.clone()),
        query("secret.list", "secret.list", json!({})),
        cmd(
            "secret.update",
            "secret.update",
            json!({ "name": "wire-alice", "default_ttl": "30m" }),
        ),
        cmd(
            "secret.update.invalid_ttl",
            "secret.update",
            json!({ "name": "wire-alice", "default_ttl": "3h" }),
        ),
        cmd(
            "lease.create.too_long",
            "lease.create",
            json!({ "secret": "wire-alice", "ttl": "3h" }),
        ),
        cmd(
            "lease.create.fractional_ttl",
            "lease.create",
            json!({ "secret": "wire-alice", "ttl": 1.5 }),
        ),
        cmd(
            "lease.create.unknown_secret",
            "lease.create",
            json!({ "secret": "wire-nobody" }),
        ),
        with_id(
            cmd(
                "lease.create",
                "lease.create",
                json!({ "secret": "wire-alice", "ttl": "20m" }),
            ),
            "wire-1",
        ),
        with_id(
            cmd(
                "lease.create.replay",
                "lease.create",
                json!({ "secret": "wire-alice", "ttl": "20m" }),
            ),
            "wire-1",
        ),
        cmd(
            "lease.create.conflict",
            "lease.create",
            json!({ "secret": "wire-alice" }),
        ),
        after(query("lease.get", "lease.get", lease.clone()), "active"),
        query(
            "lease.list",
            "lease.list",
            json!({ "secret": "wire-alice" }),
        ),
        cmd(
            "lease.renew",
            "lease.renew",
            json!({ "lease_id": "$lease", "ttl": "1h" }),
        ),
        cmd(
            "connection.delete.in_use",
            "connection.delete",
            json!({ "name": "contoso" }),
        ),
        query(
            "secret.get.missing",
            "secret.get",
            json!({ "name": "nope" }),
        ),
        query(
            "connection.get.missing",
            "connection.get",
            json!({ "name": "nope" }),
        ),
        query(
            "lease.get.missing",
            "lease.get",
            json!({ "lease_id": missing }),
        ),
        cmd(
            "lease.revoke.missing",
            "lease.revoke",
            json!({ "lease_id": missing }),
        ),
        cmd("command.unknown_op", "lease.frobnicate", json!({})),
        query("query.unknown_op", "lease.frobnicate", json!({})),
        cmd("lease.revoke", "lease.revoke", lease.clone()),
        after(
            query("lease.get.revoked", "lease.get", lease.clone()),
            "revoked",
        ),
        cmd(
            "lease.renew.ended",
            "lease.renew",
            json!({ "lease_id": "$lease", "ttl": "1h" }),
        ),
        with_id(
            cmd(
                "lease.create.replay_ended",
                "lease.create",
                json!({ "secret": "wire-alice", "ttl": "20m" }),
            ),
            "wire-1",
        ),
        query("audit.history", "audit.history", lease),
        query("audit.verify", "audit.verify", json!({})),
    ]
}

/// Replaces run-to-run values: ids, times, hashes, secrets and the emulator's address.
pub fn normalise(v: Value, emulator: &str) -> Value {
    norm(None, v, emulator)
}

fn norm(key: Option<&str>, v: Value, emulator: &str) -> Value {
    match v {
        Value::String(_) if matches!(key, Some("password" | "client_secret")) => {
            json!("<secret>")
        }
        Value::String(s) if is_uuid(&s) => json!("<uuid>"),
        Value::String(s) if is_time(&s) => json!("<time>"),
        Value::String(s) if is_hash(&s) => json!("<hash>"),
        Value::String(s) => json!(shape::mask_within(&s.replace(emulator, "<emulator>"))),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let v = norm(Some(&k), v, emulator);
                    (k, v)
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| norm(key, v, emulator)).collect()),
        other => other,
    }
}

mod shape {
    pub fn is_uuid(s: &str) -> bool {
        uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
    }

    pub fn is_time(s: &str) -> bool {
        chrono::DateTime::parse_from_rfc3339(s).is_ok()
    }

    pub fn is_hash(s: &str) -> bool {
        s.len() >= 32 && s.chars().all(|c| c.is_ascii_hexdigit())
    }

    /// Masks ids and times inside a message ("lease 0193… does not exist").
    pub fn mask_within(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        'scan: while let Some(c) = rest.chars().next() {
            if c.is_ascii_hexdigit() {
                if rest.len() >= 36 && rest.is_char_boundary(36) && is_uuid(&rest[..36]) {
                    out.push_str("<uuid>");
                    rest = &rest[36..];
                    continue;
                }
                let run = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || "-:.+".contains(c)))
                    .unwrap_or(rest.len());
                for end in (20..=run).rev() {
                    if is_time(&rest[..end]) {
                        out.push_str("<time>");
                        rest = &rest[end..];
                        continue 'scan;
                    }
                }
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        out
    }
}
