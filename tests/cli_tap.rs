//! `leasehold secret create --kind temporary_access_pass`: the kind and its one-time
//! setting reach the engine, the table and `secret get` show them, and `--help` lists the
//! kinds with what each means.

mod cli_support;
mod helpers;

use std::time::Duration;

use cli_support::{ok, secret_create, Cli};
use helpers::TestApp;

#[tokio::test]
async fn an_operator_creates_a_pass_secret_and_sees_its_kind() {
    let app = TestApp::spawn().await;
    app.connect().await;
    let cli = Cli::new(&app, "admin");
    let created = ok(&cli
        .run(&secret_create(
            "tap",
            &[
                "--kind",
                "temporary_access_pass",
                "--usable-once",
                "--user",
                "carol@contoso.onmicrosoft.com",
            ],
        ))
        .await);
    assert!(created.contains("KIND"), "{created}");
    assert!(created.contains("temporary_access_pass"), "{created}");
    assert!(
        created.contains("1h"),
        "the policy's default lifetime: {created}"
    );
    assert!(
        created.contains("8h"),
        "the policy's maximum lifetime: {created}"
    );

    let json = cli
        .until(
            &["--json", "secret", "get", "tap-carol"],
            Duration::from_secs(10),
            |s| s.contains("credential_kind"),
        )
        .await;
    let shown: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(shown["credential_kind"], "temporary_access_pass", "{shown}");
    let shown = cli
        .until(
            &["secret", "get", "tap-carol"],
            Duration::from_secs(10),
            |s| s.contains("usable once"),
        )
        .await;
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("usable once") && l.ends_with("true")),
        "{shown}"
    );

    let help = ok(&cli.run(&["secret", "create", "--help"]).await);
    assert!(help.contains("temporary_access_pass"), "{help}");
    assert!(help.contains("Entra itself ends it at expiry"), "{help}");
    app.stop().await;
}
