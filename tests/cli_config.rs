//! `leasehold config check` with every setting from the environment, the policy included
//! as a file of its own (`LEASEHOLD_POLICY_FILE`).

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use predicates::str::contains;

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lh-config-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn check() -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("leasehold");
    cmd.args(["config", "check"])
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .env_remove("LEASEHOLD_CONFIG")
        .env(
            "LEASEHOLD_MASTER_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        );
    cmd
}

#[test]
fn the_policy_file_limits_and_graph_settings_come_from_the_environment() {
    let dir = temp_dir();
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        "admins = [\"root-ops\"]\n\n[[rules]]\nactors = [\"dev\"]\nops = [\"lease.*\"]\n\
         secrets = [\"app-*\"]\n",
    )
    .expect("write policy");

    check()
        .env("LEASEHOLD_POLICY_FILE", &policy)
        .env("LEASEHOLD_LIMITS__BURST", "7")
        .env("LEASEHOLD_GRAPH_RETRY_DEADLINE_SECS", "45")
        .env("LEASEHOLD_GRAPH_REQUEST_TIMEOUT_SECS", "12")
        .assert()
        .success()
        .stdout(contains("admins = [\"root-ops\"]"))
        .stdout(contains("secrets = [\"app-*\"]"))
        .stdout(contains("burst = 7"))
        .stdout(contains("graph_retry_deadline_secs = 45"))
        .stdout(contains("graph_request_timeout_secs = 12"))
        .stderr(contains("the policy is empty").not());

    // Two sources of rights are refused, and so is a policy file that is not there.
    check()
        .env("LEASEHOLD_POLICY_FILE", &policy)
        .env("LEASEHOLD_POLICY__ADMINS", "[\"admin\"]")
        .assert()
        .code(2)
        .stderr(contains("both in policy_file"));
    check()
        .env("LEASEHOLD_POLICY_FILE", dir.join("missing.toml"))
        .assert()
        .code(2)
        .stderr(contains("read policy file"));
    let _ = std::fs::remove_dir_all(&dir);
}
