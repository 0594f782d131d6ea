//! `leasehold --help` and every subcommand's help: complete, and every command listed.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::str::contains;

/// Every command path of the CLI.
const PATHS: &[&str] = &[
    "connection",
    "connection create",
    "connection list",
    "connection get",
    "connection rotate",
    "connection delete",
    "users",
    "users list",
    "secret",
    "secret create",
    "secret list",
    "secret get",
    "secret update",
    "secret delete",
    "lease",
    "lease create",
    "lease list",
    "lease get",
    "lease renew",
    "lease revoke",
    "audit",
    "audit history",
    "audit at",
    "audit export",
    "audit verify",
    "audit anchor",
    "keys",
    "keys rotate-master",
    "serve",
    "migrate",
    "emulator",
    "demo",
    "projections",
    "projections rebuild",
    "config",
    "config check",
    "completions",
];

#[test]
fn top_level_help_lists_every_command_the_environment_and_exit_codes() {
    let assert = cargo_bin_cmd!("leasehold").arg("--help").assert().success();
    let help = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    for noun in PATHS.iter().filter(|p| !p.contains(' ')) {
        assert!(
            help.contains(&format!("\n  {noun} ")),
            "{noun} missing from:\n{help}"
        );
    }
    for needle in [
        "LEASEHOLD_ACTOR",
        "LEASEHOLD_NATS_URL",
        "Exit codes:",
        "2  usage error",
        "3  refused by leasehold",
        "4  failure",
        "--json",
        "--actor",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for path in PATHS {
        let args: Vec<&str> = path.split(' ').collect();
        cargo_bin_cmd!("leasehold")
            .args(&args)
            .arg("--help")
            .assert()
            .success()
            .stdout(contains(format!("Usage: leasehold {path}")))
            .stdout(contains("Global options:"));
    }
}

#[test]
fn usage_errors_exit_2() {
    cargo_bin_cmd!("leasehold").assert().code(2);
    cargo_bin_cmd!("leasehold")
        .args(["lease", "frobnicate"])
        .assert()
        .code(2)
        .stderr(contains("unrecognized subcommand"));
    cargo_bin_cmd!("leasehold")
        .args(["secret", "create", "--connection", "c", "--prefix", "p"])
        .assert()
        .code(2)
        .stderr(contains("--user <USER>"));
}

/// With --json, even a command line that does not parse is reported as one JSON object.
#[test]
fn usage_errors_are_one_json_object_with_json() {
    for args in [
        &["--json", "lease", "create"][..],
        &["lease", "create", "ops-bob", "--ttl", "5x", "--json"],
        &["--json", "lease", "frobnicate"],
        &["--json"],
    ] {
        let assert = cargo_bin_cmd!("leasehold")
            .env_remove("LEASEHOLD_ACTOR")
            .args(args)
            .assert()
            .code(2)
            .stdout("");
        let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        let body: serde_json::Value = serde_json::from_str(err.trim())
            .unwrap_or_else(|e| panic!("{args:?}: not one JSON object ({e}):\n{err}"));
        assert_eq!(body["error"]["code"], "usage", "{args:?}: {body}");
        assert_eq!(body["error"]["exit_code"], 2, "{args:?}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{args:?}: {body}"
        );
    }
}

/// --actor, --json and --timeout are offered and accepted only where they apply.
#[test]
fn client_options_only_where_they_apply() {
    for path in ["serve", "migrate", "emulator", "demo", "config check"] {
        let args: Vec<&str> = path.split(' ').collect();
        let assert = cargo_bin_cmd!("leasehold")
            .args(&args)
            .arg("--help")
            .assert()
            .success();
        let help = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
        for flag in ["--actor", "--json", "--timeout"] {
            assert!(!help.contains(flag), "{path} offers {flag}:\n{help}");
        }
        assert!(help.contains("--config"), "{path}:\n{help}");
    }
    for path in ["lease list", "secret create", "audit history", "users list"] {
        let args: Vec<&str> = path.split(' ').collect();
        let assert = cargo_bin_cmd!("leasehold")
            .args(&args)
            .arg("--help")
            .assert()
            .success();
        let help = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
        for flag in ["--actor", "--json", "--timeout"] {
            assert!(help.contains(flag), "{path} lacks {flag}:\n{help}");
        }
    }
    cargo_bin_cmd!("leasehold")
        .args(["serve", "--json"])
        .assert()
        .code(2)
        .stderr(contains("unexpected argument '--json'"));
    cargo_bin_cmd!("leasehold")
        .args(["--timeout", "5s", "config", "check"])
        .assert()
        .code(2)
        .stderr(contains(
            "--timeout does not apply to `leasehold config check`",
        ));
}

/// `completions <shell>` prints a script for that shell that knows the command tree; the
/// bash one is valid bash.
#[test]
fn completions_print_a_script_for_each_shell() {
    let bash = cargo_bin_cmd!("leasehold")
        .args(["completions", "bash"])
        .assert()
        .success();
    let script = String::from_utf8_lossy(&bash.get_output().stdout).into_owned();
    assert!(script.contains("_leasehold()"), "{script}");
    for word in ["lease", "renew", "--shorten", "--field"] {
        assert!(script.contains(word), "{word} missing from the bash script");
    }
    let checked = std::process::Command::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .expect("bash runs");
    assert!(checked.status.success(), "{checked:?}");
    cargo_bin_cmd!("leasehold")
        .args(["completions", "zsh"])
        .assert()
        .success()
        .stdout(contains("#compdef leasehold"));
    cargo_bin_cmd!("leasehold")
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn lease_list_offers_every_status_of_the_api_with_its_meaning() {
    let out = cargo_bin_cmd!("leasehold")
        .args(["lease", "list", "--help"])
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    for status in leasehold_api::LeaseStatus::ALL {
        let line = format!("- {}:", status.as_str());
        let listed = help
            .lines()
            .find(|l| l.trim_start().starts_with(&line))
            .unwrap_or_else(|| panic!("{line} missing from:\n{help}"));
        assert!(listed.ends_with(status.meaning()), "{listed}");
    }
}
