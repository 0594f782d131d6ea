//! Schema-driven fuzzing of the HTTP API with schemathesis (from PyPI), against the
//! OpenAPI document the gateway serves: no answer may be a 5xx, and every answer must
//! match the document. Ignored by default (it needs the `schemathesis` command; CI
//! installs it and runs `cargo test --test http_fuzz -- --ignored`). `SCHEMATHESIS`
//! names the command, `FUZZ_EXAMPLES` the examples per operation (default 200).

mod helpers;
mod http_support;

use std::process::Command;

use http_support::{spawn, token, OPS_APP, OPS_SECRET};

/// Operations left out: creating or rotating a connection makes the engine call the
/// sign-in host the payload names, which a fuzzer would point anywhere; the event
/// stream never ends.
const NOT_FUZZED: &[&str] = &[
    "post_v1_connections",
    "post_v1_connections_name_rotate",
    "get_v1_events",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs schemathesis; CI runs it"]
async fn the_http_api_survives_schema_driven_fuzzing() {
    let (app, api) = spawn(60).await;
    app.connect().await;
    app.secrets("app", &["alice", "bob"], "1h", "1d").await;
    let token = token(&app, OPS_APP, OPS_SECRET).await;
    let program = std::env::var("SCHEMATHESIS").unwrap_or_else(|_| "schemathesis".into());
    let examples = std::env::var("FUZZ_EXAMPLES").unwrap_or_else(|_| "200".into());
    let har = std::env::temp_dir().join(format!("lh-fuzz-{}.har", uuid::Uuid::new_v4().simple()));
    let mut command = Command::new(program);
    command
        .arg("run")
        .arg(format!("{api}/v1/openapi.json"))
        .args(["--checks", "not_a_server_error,response_schema_conformance"])
        .args([
            "--checks",
            "content_type_conformance,status_code_conformance",
        ])
        .args(["--phases", "examples,fuzzing"])
        .args(["--max-examples", &examples])
        .args(["--workers", "2", "--request-timeout", "30", "--no-color"])
        .args(["--generation-database", "none", "--seed", "1"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--report", "har", "--report-har-path"])
        .arg(&har);
    for op in NOT_FUZZED {
        command.args(["--exclude-operation-id", op]);
    }
    let status = tokio::task::spawn_blocking(move || command.status())
        .await
        .expect("join")
        .expect("schemathesis runs (install it: pip install schemathesis)");
    assert!(status.success(), "schemathesis found failures (see above)");

    // The requests were answered by the API, not refused at the door.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&har).expect("HAR report")).expect("HAR json");
    let _ = std::fs::remove_file(&har);
    let statuses: Vec<u64> = report["log"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["response"]["status"].as_u64())
        .collect();
    let refused = statuses.iter().filter(|s| **s == 401).count();
    assert!(statuses.len() > 100, "only {} requests", statuses.len());
    assert!(
        refused * 10 < statuses.len(),
        "{refused} of {} requests were 401: the token did not work",
        statuses.len()
    );
    assert!(statuses.iter().all(|s| *s < 500), "a 5xx answer");
    app.stop().await;
}
