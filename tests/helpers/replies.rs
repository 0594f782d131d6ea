//! Replies captured from a test's clients, checked against the JSON Schemas in
//! `docs/schema/` by `scripts/check_replies.py` (python3 with jsonschema 4).

use std::sync::{Arc, Mutex};

use leasehold::client::{ApiClient, ReplyObserver};
use serde_json::{json, Value};

/// Every reply the observed clients received: `(operation name, reply)`.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<(String, Value)>>>);

impl Captured {
    /// `client`, recording each reply here.
    pub fn observe(&self, client: ApiClient) -> ApiClient {
        let sink = Arc::clone(&self.0);
        let observer: ReplyObserver = Arc::new(move |_, op, body| {
            let reply = serde_json::from_slice(body).unwrap_or(Value::Null);
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((op.to_string(), reply));
        });
        client.observe_replies(observer)
    }

    /// Writes the replies (passwords masked) as JSON lines and validates them; panics
    /// with the validator's findings when one does not match its schema.
    pub fn check_against_schemas(&self, test: &str) {
        let replies = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        assert!(!replies.is_empty(), "no replies were captured");
        let mut lines = String::new();
        for (op, mut reply) in replies {
            mask_passwords(&mut reply);
            lines.push_str(&json!({ "op": op, "reply": reply }).to_string());
            lines.push('\n');
        }
        let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("{test}-{}.jsonl", uuid::Uuid::new_v4().simple()));
        std::fs::write(&file, lines).expect("write captured replies");
        let out = std::process::Command::new("python3")
            .args(["scripts/check_replies.py", "docs/schema"])
            .arg(&file)
            .output()
            .expect("run python3");
        assert!(
            out.status.success(),
            "replies of {test} do not match docs/schema ({}):\n{}{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn mask_passwords(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if k == "password" && v.is_string() {
                    *v = json!("<masked>");
                } else {
                    mask_passwords(v);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask_passwords),
        _ => {}
    }
}
