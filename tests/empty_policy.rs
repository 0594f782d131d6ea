//! An empty policy refuses everybody: `serve` and `config check` say so loudly on stderr,
//! and stay quiet once the policy names someone.

use assert_cmd::cargo::cargo_bin_cmd;

const WARNING: &str = "WARNING: the policy is empty: nobody may do anything";

fn config_file(dir: &std::path::Path, body: &str) -> std::path::PathBuf {
    let path = dir.join("leasehold.toml");
    std::fs::write(&path, body).expect("write config");
    path
}

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lh-policy-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn stderr_of(args: &[&str], config: &std::path::Path) -> String {
    let output = cargo_bin_cmd!("leasehold")
        .args(args)
        .env("LEASEHOLD_CONFIG", config)
        .env(
            "LEASEHOLD_MASTER_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        // Nothing listens on port 1: `serve` fails right after the warning.
        .env(
            "LEASEHOLD_DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/none",
        )
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run leasehold");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn config_check_and_serve_warn_about_an_empty_policy() {
    let dir = temp_dir();
    let config = config_file(&dir, "subject_prefix = \"policycheck\"\n");
    for args in [&["config", "check"][..], &["serve"][..]] {
        let stderr = stderr_of(args, &config);
        assert!(stderr.contains(WARNING), "{args:?} stderr:\n{stderr}");
        assert!(
            stderr.contains("admins = [\"admin\"]"),
            "{args:?} says how:\n{stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_policy_naming_an_admin_is_not_warned_about() {
    let dir = temp_dir();
    let config = config_file(&dir, "[policy]\nadmins = [\"admin\"]\n");
    for args in [&["config", "check"][..], &["serve"][..]] {
        let stderr = stderr_of(args, &config);
        assert!(!stderr.contains(WARNING), "{args:?} stderr:\n{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
