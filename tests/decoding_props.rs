//! Property tests of request decoding and validation: arbitrary JSON, mutated valid
//! requests, random bytes, and every field (and an unknown one) replaced by arbitrary
//! UTF-8 text of up to a few hundred characters, for every command and query operation,
//! fed straight to `CommandService::handle` / `QueryService::handle`. Every reply must
//! be a well-formed `{"ok"}` / `{"error"}` with a documented code, and nothing may panic
//! (a caught panic answers `internal`, which fails the check too).

mod helpers;
mod hostile;

use std::sync::Arc;

use async_trait::async_trait;
use entra_emulator::EmulatorConfig;
use helpers::TestApp;
use leasehold::app::Components;
use leasehold_command::service::{CommandService, ServiceConfig};
use leasehold_command::CommandError;
use leasehold_domain::ConnectionName;
use leasehold_projection::{DirectoryUser, QueryService, UserDirectory};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use serde_json::{Map, Value};

/// Cases per strategy and side; four strategies × two sides, all under a minute.
const CASES: u32 = 256;

struct NoUsers;

#[async_trait]
impl UserDirectory for NoUsers {
    async fn list_users(
        &self,
        _: &ConnectionName,
        _: Option<&str>,
    ) -> Result<Vec<DirectoryUser>, CommandError> {
        Ok(Vec::new())
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        prop::sample::select(hostile::hostile_values()),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// `(op, payload)` for the operations in `ops`.
fn payloads(ops: Vec<&'static str>, base: String) -> impl Strategy<Value = (String, Vec<u8>)> {
    let (op_list, base2) = (ops.clone(), base.clone());
    let op = prop::sample::select(ops);
    let arbitrary =
        (op.clone(), json_value()).prop_map(|(op, v)| (op.to_string(), v.to_string().into_bytes()));
    let bytes = (op.clone(), prop::collection::vec(any::<u8>(), 0..512))
        .prop_map(|(op, b)| (op.to_string(), b));
    let mutated = (
        op,
        prop::collection::vec(
            (any::<prop::sample::Index>(), json_value(), any::<bool>()),
            1..4,
        ),
    )
        .prop_map(move |(op, edits)| {
            let mut request = hostile::template(op, &base)
                .as_object()
                .cloned()
                .unwrap_or_default();
            for (index, value, remove) in edits {
                let keys: Vec<String> = request.keys().cloned().collect();
                match (keys.is_empty(), remove) {
                    (true, _) => {
                        request.insert("extra".into(), value);
                    }
                    (false, true) => {
                        request.remove(&keys[index.index(keys.len())]);
                    }
                    (false, false) => {
                        request.insert(keys[index.index(keys.len())].clone(), value);
                    }
                }
            }
            (
                op.to_string(),
                Value::Object(request).to_string().into_bytes(),
            )
        });
    prop_oneof![arbitrary, bytes, mutated, every_field_utf8(op_list, base2)]
}

/// Text of up to 400 characters drawn from every plane, weighted towards multibyte
/// characters: long enough that an error message quoting it passes any byte limit.
fn utf8_text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        any::<char>(),
        prop::sample::select(vec!['é', '€', '名', '😀', '\u{301}', '"', '\\', '\u{0}']),
    ];
    prop::collection::vec(ch, 0..400).prop_map(String::from_iter)
}

/// The op's plausible request with every value (nested ones too) replaced by arbitrary
/// text, and sometimes an unknown field named by arbitrary text.
fn every_field_utf8(
    ops: Vec<&'static str>,
    base: String,
) -> impl Strategy<Value = (String, Vec<u8>)> {
    (
        prop::sample::select(ops),
        prop::collection::vec(utf8_text(), 8),
        prop::option::of(utf8_text()),
    )
        .prop_map(move |(op, texts, unknown)| {
            let mut request = hostile::template(op, &base);
            let mut next = texts.iter().cycle();
            replace_leaves(&mut request, &mut || {
                next.next().cloned().unwrap_or_default()
            });
            if let (Some(name), Some(object)) = (unknown, request.as_object_mut()) {
                object.insert(name, Value::from(1));
            }
            (op.to_string(), request.to_string().into_bytes())
        })
}

fn replace_leaves(value: &mut Value, text: &mut impl FnMut() -> String) {
    match value {
        Value::Object(map) => map.values_mut().for_each(|v| replace_leaves(v, text)),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_leaves(v, text)),
        leaf => *leaf = Value::from(text()),
    }
}

fn check(reply: &[u8]) -> Result<(), TestCaseError> {
    hostile::check_reply(reply)
        .map(|_| ())
        .map_err(TestCaseError::fail)
}

#[test]
fn every_request_gets_a_well_formed_reply_with_a_documented_code() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let app = rt.block_on(async {
        let app = TestApp::spawn_with(
            EmulatorConfig::default(),
            Components::ALL,
            hostile::fuzz_policy(),
        )
        .await;
        app.connect().await;
        app.secrets("ops", &["alice", "bob"], "1h", "2h").await;
        app
    });
    let base = app.emulator.base_url().to_string();
    let engine = &app.engine;
    let commands = CommandService::new(
        engine.commands.clone(),
        engine.graph.clone(),
        hostile::fuzz_policy(),
        engine.subjects.clone(),
        ServiceConfig::default(),
    );
    let queries = QueryService::new(
        engine.pool.clone(),
        engine.commands.clone(),
        Arc::new(NoUsers),
        hostile::fuzz_policy(),
        engine.subjects.clone(),
    );
    let mut runner = TestRunner::new(RunnerConfig {
        cases: CASES * 4,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let subjects = engine.subjects.clone();
    runner
        .run(
            &payloads(hostile::command_ops(), base.clone()),
            |(op, payload)| {
                let subject = subjects.command("fuzz", &op);
                check(&rt.block_on(commands.handle(None, &subject, None, &payload)))
            },
        )
        .expect("command replies");
    runner
        .run(&payloads(hostile::query_ops(), base), |(op, payload)| {
            check(&rt.block_on(queries.handle("fuzz", &op, &payload)))
        })
        .expect("query replies");
    // Oversized payloads, straight to the services (NATS would refuse to carry them).
    let huge = vec![b' '; leasehold_command::service::MAX_PAYLOAD + 1];
    for op in hostile::command_ops() {
        let reply = rt.block_on(commands.handle(None, &subjects.command("fuzz", op), None, &huge));
        assert_eq!(
            hostile::check_reply(&reply),
            Ok(Some("invalid_request".into()))
        );
    }
    for op in hostile::query_ops() {
        let reply = rt.block_on(queries.handle("fuzz", op, &huge));
        let code = hostile::check_reply(&reply).expect("well formed");
        assert!(
            matches!(code.as_deref(), Some("invalid_request" | "forbidden")),
            "{op}: {code:?}"
        );
    }
    rt.block_on(app.stop());
}
