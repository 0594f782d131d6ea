//! `docs/http-api.md` is run: every `curl` of the `sh` blocks from its "Connections"
//! section on is executed in order against a gateway in front of the emulator, and must
//! answer 2xx.

mod helpers;
mod http_support;

use std::process::Command;

use entra_emulator::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID};
use http_support::{spawn, token, OPS_APP, OPS_SECRET};
use serde_json::Value;

/// The `curl` commands of the `sh` blocks after `from`, each with its continuation lines.
fn curl_commands(doc: &str, from: &str) -> Vec<String> {
    let start = doc.find(from).expect("the section exists");
    let mut commands: Vec<String> = Vec::new();
    let mut in_block = false;
    let mut open = false;
    for line in doc[start..].lines() {
        if line.starts_with("```") {
            in_block = !in_block && line == "```sh";
            open = false;
            continue;
        }
        if !in_block {
            continue;
        }
        if line.starts_with("curl ") {
            commands.push(line.to_string());
            open = true;
        } else if line.starts_with('#') || (line.contains('=') && !line.starts_with(' ')) {
            open = false;
        } else if open {
            if let Some(last) = commands.last_mut() {
                last.push('\n');
                last.push_str(line);
            }
        }
    }
    commands
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_curl_example_of_the_http_api_doc_works() {
    let (app, api) = spawn(60).await;
    app.connect().await;
    let token = token(&app, OPS_APP, OPS_SECRET).await;
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/http-api.md"),
    )
    .expect("docs/http-api.md");
    let commands = curl_commands(&doc, "## Connections");
    assert!(
        commands.len() >= 20,
        "found only {} examples",
        commands.len()
    );
    let mut lease = String::new();
    for command in &commands {
        let run = format!("{command} -w '\\n%{{http_code}}'");
        let output = tokio::task::spawn_blocking({
            let (api, token, lease) = (api.clone(), token.clone(), lease.clone());
            move || {
                Command::new("sh")
                    .arg("-c")
                    .arg(run)
                    .env("API", api)
                    .env("TOKEN", token)
                    .env("TENANT", DEMO_TENANT_ID)
                    .env("APP", DEMO_CLIENT_ID)
                    .env("APP_SECRET", DEMO_CLIENT_SECRET)
                    .env("LEASE", lease)
                    .output()
            }
        })
        .await
        .expect("join")
        .expect("sh runs curl");
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        let (body, status) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
        let status: u16 = status.trim().parse().unwrap_or(0);
        assert!((200..300).contains(&status), "{command}\n→ {status} {body}");
        if command.contains("-X POST $API/v1/leases ") {
            let reply: Value = serde_json::from_str(body).expect("json");
            lease = reply["lease"]["lease_id"]
                .as_str()
                .expect("lease id")
                .to_string();
        }
    }
    assert!(!lease.is_empty(), "the doc creates a lease");
    app.stop().await;
}
