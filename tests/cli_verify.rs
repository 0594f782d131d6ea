//! What the CLI says before an application or a user is relied on: a connection whose
//! app lacks Graph permissions or a directory role is refused, naming exactly what is
//! missing (unless `--skip-verify`), and a secret for a user out of the app's reach
//! (a directory-role holder) comes with a warning.

mod cli_support;
mod helpers;

use assert_cmd::assert::OutputAssertExt;
use cli_support::{connection_create, ok, secret_create, stderr, Cli};
use helpers::TestApp;
use leasehold::app::Components;
use leasehold_command::Policy;
use predicates::prelude::*;
use predicates::str::contains;

const WEAK_APP: &str = "bbbbbbbb-0000-4000-8000-00000000000b";
const WEAK_SECRET: &str = "weak-app-secret";

#[tokio::test]
async fn an_app_without_the_permissions_or_role_is_named_at_creation() {
    let app = TestApp::spawn_with(
        helpers::with_weak_app(WEAK_APP, WEAK_SECRET),
        Components::ALL,
        Policy::allow_all(),
    )
    .await;
    let admin = Cli::new(&app, "admin");
    let base = app.emulator.base_url().to_string();

    // When the weak app is registered, it is refused with everything it lacks
    admin
        .run_with_stdin(&connection_create("weak", WEAK_APP, &base), WEAK_SECRET)
        .await
        .assert()
        .code(3)
        .stderr(contains(format!(
            "application {WEAK_APP} lacks what leasehold needs"
        )))
        .stderr(contains(
            "Graph application permission User-PasswordProfile.ReadWrite.All",
        ))
        .stderr(contains(
            "Graph application permission User.RevokeSessions.All",
        ))
        .stderr(contains("directory role Global Administrator or"))
        .stderr(contains("User Administrator"))
        .stderr(contains("User.Read.All (or").not());

    // and --skip-verify stores it without asking, saying so
    let out = admin
        .run_with_stdin(
            &[
                connection_create("weak", WEAK_APP, &base),
                vec!["--skip-verify"],
            ]
            .concat(),
            WEAK_SECRET,
        )
        .await;
    ok(&out);
    assert!(
        stderr(&out).contains("warning: not verified with Entra"),
        "{}",
        stderr(&out)
    );
    app.stop().await;
}

#[tokio::test]
async fn a_secret_for_a_directory_role_holder_is_created_with_a_warning() {
    let app = TestApp::spawn().await;
    app.connect().await;
    let admin = Cli::new(&app, "admin");
    let create = |user: &'static str| {
        let admin = admin.clone();
        async move { admin.run(&secret_create("ops", &["--user", user])).await }
    };

    // A user holding Global Administrator: the demo app (a User Administrator) cannot
    // reset their password, and the CLI says why before any lease fails.
    let out = create("admin@contoso.onmicrosoft.com").await;
    ok(&out);
    let said = stderr(&out);
    assert!(
        said.contains(
            "warning: admin@contoso.onmicrosoft.com holds the directory role Global \
             Administrator: only an application that is Privileged Authentication \
             Administrator or Global Administrator can reset their password"
        ),
        "{said}"
    );
    // An ordinary user: no warning.
    let out = create("alice@contoso.onmicrosoft.com").await;
    ok(&out);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    app.stop().await;
}
