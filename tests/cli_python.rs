//! The Python example (examples/python/lease.py) kept runnable: it creates and revokes a
//! lease against a real engine. nats-py is installed with pip into the target directory
//! when it is not importable; without python3 or pip this test fails, it never skips.

mod helpers;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use helpers::{status_is, TestApp};
use serde_json::Value;

/// A PYTHONPATH under which `import nats` works (empty when it works already).
fn nats_py() -> String {
    let imports = |path: &str| {
        Command::new("python3")
            .args(["-c", "import nats"])
            .env("PYTHONPATH", path)
            .output()
            .map(|o| o.status.success())
            .unwrap_or_else(|e| panic!("python3 is needed to run examples/python: {e}"))
    };
    if imports("") {
        return String::new();
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-nats");
    let dir_text = dir.display().to_string();
    if !imports(&dir_text) {
        let pip = Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("--target")
            .arg(&dir)
            .arg("nats-py")
            .output()
            .expect("run pip");
        assert!(
            pip.status.success(),
            "could not install nats-py with pip (needed to test examples/python):\n{}",
            String::from_utf8_lossy(&pip.stderr)
        );
        assert!(
            imports(&dir_text),
            "nats-py installed in {dir_text} but not importable"
        );
    }
    dir_text
}

/// Runs the example against `app` for `secret`, off the async runtime.
async fn run_example(app: &TestApp, python_path: &str, secret: &str) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python/lease.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .arg(secret)
        .arg("10m")
        .env("PYTHONPATH", python_path)
        .env("LEASEHOLD_NATS_URL", &app.engine.config.nats_url)
        .env(
            "LEASEHOLD_SUBJECT_PREFIX",
            &app.engine.config.subject_prefix,
        )
        .env("LEASEHOLD_ACTOR", "pyclient");
    tokio::task::spawn_blocking(move || cmd.output().expect("run python3"))
        .await
        .expect("join")
}

#[tokio::test]
async fn the_python_example_creates_and_revokes_a_lease() {
    let python_path = tokio::task::spawn_blocking(nats_py).await.expect("join");
    let app = TestApp::spawn().await;
    app.connect().await;
    app.secrets("py", &["carol"], "1h", "2h").await;

    let out = run_example(&app, &python_path, "py-carol").await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "lease.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steps: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(steps[0]["step"], "created", "{stdout}");
    assert_eq!(steps[0]["username"], "carol@contoso.onmicrosoft.com");
    assert_eq!(steps[1]["step"], "revoked", "{stdout}");
    let id = steps[0]["lease_id"].as_str().expect("lease id");
    let lease = app
        .wait_lease(id, Duration::from_secs(30), status_is("revoked"))
        .await;
    assert_eq!(lease["requested_by"], "pyclient");

    // A refusal exits 3 with leasehold's error on stderr
    let missing = run_example(&app, &python_path, "py-nobody").await;
    assert_eq!(missing.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not_found"));
    app.stop().await;
}
