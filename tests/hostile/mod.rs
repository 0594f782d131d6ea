//! Hostile requests for every command and query operation: request templates, the bad
//! values to put in each field, malformed whole payloads, and the check every reply must
//! pass (a well-formed `{"ok"}` / `{"error"}` with a documented code).
#![allow(dead_code)]

use leasehold_api::{ErrorCode, Operation, Tree};
use leasehold_command::Policy;
use serde_json::{json, Map, Value};

/// The fuzzing actor `fuzz` may do everything except what reaches Graph with credentials
/// from the request (`connection.create|rotate`): a mutated request must never send
/// traffic anywhere but the loopback emulator.
pub fn fuzz_policy() -> Policy {
    let ops = [
        "connection.delete",
        "connection.get",
        "connection.list",
        "connection.check",
        "secret.*",
        "lease.*",
        "users.list",
        "audit.*",
    ];
    leasehold_testkit::policy::one_rule(&["fuzz"], &ops, &["*"])
}

/// Every operation on the command subjects.
pub fn command_ops() -> Vec<&'static str> {
    Operation::names(Tree::Command)
}

/// Every operation on the query subjects (new ones are covered with a `{}` template).
pub fn query_ops() -> Vec<&'static str> {
    Operation::names(Tree::Query)
}

/// A plausible request for `op`, pointing at the set-up of [`crate::helpers`]: a
/// `contoso` connection on the emulator at `base`, and secret `ops-alice`.
pub fn template(op: &str, base: &str) -> Value {
    let lease = "0193a6a2-7c1e-7d3a-9f2b-5c8e1d2f3a4b";
    match op {
        "connection.create" => json!({
            "name": "fuzzed", "tenant_id": entra_emulator::DEMO_TENANT_ID,
            "client_id": entra_emulator::DEMO_CLIENT_ID, "client_secret": "not-the-secret",
            "cloud": { "kind": "custom", "login_url": base, "graph_url": base },
        }),
        "connection.rotate" => json!({ "name": "contoso", "client_secret": "not-the-secret" }),
        "connection.delete" | "secret.delete" => json!({ "name": "no-such-thing" }),
        "connection.get" | "connection.check" | "secret.get" => json!({ "name": "contoso" }),
        "secret.create" => json!({
            "connection": "contoso", "prefix": "fz", "users": ["erin@contoso.onmicrosoft.com"],
            "default_ttl": "1h", "max_ttl": "2h",
        }),
        "secret.update" => json!({ "name": "ops-alice", "default_ttl": "30m", "max_ttl": "2h" }),
        "secret.list" => json!({ "connection": "contoso", "limit": 10, "after": "ops-a" }),
        "lease.create" => json!({ "secret": "ops-alice", "ttl": "30m" }),
        "lease.renew" => json!({ "lease_id": lease, "ttl": "1h" }),
        "lease.revoke" => json!({ "lease_id": lease, "force": false }),
        "lease.get" => json!({ "lease_id": lease, "credentials": true }),
        "lease.list" => json!({
            "secret": "ops-alice", "status": "active", "requested_by": "dev", "limit": 5,
            "after": lease,
        }),
        "users.list" => json!({ "connection": "contoso", "starts_with": "a" }),
        _ => json!({}),
    }
}

/// Values that do not belong in any field: wrong types, wildcard and dotted names,
/// non-ASCII, overflowing or negative TTLs, unknown ids, SQL metacharacters, huge text.
pub fn hostile_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(-3600),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(1.5e308),
        json!(0.5),
        json!(""),
        json!(" "),
        json!("*"),
        json!(">"),
        json!("ops-alice.>"),
        json!("a.*.b"),
        json!("a.b"),
        json!("ops alice"),
        json!("名前-ünïcödé-😀"),
        json!("\u{0}\u{7f}\r\n"),
        json!("'; DROP TABLE leases; --"),
        json!("\" OR 1=1 --"),
        json!("%' OR '1'='1"),
        json!("$JS.API.STREAM.DELETE.LEASEHOLD_EVENTS"),
        json!("-1s"),
        json!("0s"),
        json!("999999999999999999999h"),
        json!("11y"),
        json!("1h1h"),
        json!("18446744073709551616"),
        json!("00000000-0000-0000-0000-000000000000"),
        json!("ffffffff-ffff-7fff-bfff-ffffffffffff"),
        json!("x".repeat(70_000)),
        json!([]),
        json!(["ops-alice"]),
        json!({}),
        json!({ "kind": "custom", "login_url": "file:///etc/passwd" }),
    ]
}

/// Whole payloads that are not a request object at all.
pub fn malformed_payloads() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = [
        &b"{"[..],
        b"}",
        b"{\"name\":",
        b"[]",
        b"null",
        b"42",
        b"\"text\"",
        b"{\"a\":1,\"a\":2}",
        b"\xff\xfe\xfd",
        b"{\"ttl\": 99999999999999999999999999999}",
        b"{\"ttl\": -0}",
        b"{\"ttl\": NaN}",
        b"\x00",
        b"{\"name\": \"\\ud800\"}",
    ]
    .iter()
    .map(|b| b.to_vec())
    .collect();
    out.push(format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes());
    out.push(format!("{}1{}", "{\"a\":".repeat(300), "}".repeat(300)).into_bytes());
    // Just under the NATS default max_payload of 1 MiB: reaches the service.
    out.push(format!("{{\"name\": \"{}\"}}", "n".repeat(1_000_000)).into_bytes());
    out
}

/// The bad requests for `op`: each field replaced by each hostile value, each field
/// removed, an unknown field added, and every malformed payload.
pub fn bad_requests(op: &str, base: &str) -> Vec<Vec<u8>> {
    let template = template(op, base);
    let fields: Map<String, Value> = template.as_object().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for key in fields.keys() {
        for value in hostile_values() {
            let mut request = fields.clone();
            request.insert(key.clone(), value);
            out.push(Value::Object(request).to_string().into_bytes());
        }
        let mut without = fields.clone();
        without.remove(key);
        out.push(Value::Object(without).to_string().into_bytes());
    }
    let mut unknown = fields.clone();
    unknown.insert("zz_unknown".into(), json!(1));
    out.push(Value::Object(unknown).to_string().into_bytes());
    out.extend(malformed_payloads());
    out
}

/// Checks that `reply` is `{"ok": …}` or `{"error": {"code", "message", "details"}}`
/// with a documented code, and returns the code (`None` for ok).
pub fn check_reply(reply: &[u8]) -> Result<Option<String>, String> {
    let text = String::from_utf8_lossy(reply);
    let value: Value =
        serde_json::from_slice(reply).map_err(|e| format!("not JSON ({e}): {text:.300}"))?;
    let object = value
        .as_object()
        .ok_or(format!("not an object: {text:.300}"))?;
    if object.len() != 1 {
        return Err(format!("not exactly one of ok/error: {text:.300}"));
    }
    if object.contains_key("ok") {
        return Ok(None);
    }
    let error = object
        .get("error")
        .and_then(Value::as_object)
        .ok_or(format!("neither ok nor error: {text:.300}"))?;
    let code = error
        .get("code")
        .and_then(Value::as_str)
        .ok_or(format!("error without a code: {text:.300}"))?;
    let Ok(code) = code.parse::<ErrorCode>() else {
        return Err(format!("undocumented code {code}: {text:.300}"));
    };
    if !error.get("message").is_some_and(Value::is_string) || !error.contains_key("details") {
        return Err(format!("error without message/details: {text:.300}"));
    }
    if code == ErrorCode::Internal {
        return Err(format!("hostile input hit a bug: {text:.300}"));
    }
    Ok(Some(code.to_string()))
}
