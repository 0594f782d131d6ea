//! Temporary Access Pass leases end to end: a pass signs in on the emulator's sign-in
//! page while its lease lives and is refused once revoked; a one-time pass signs in once;
//! the password grant refuses a pass as Entra does; a pass lease is not renewable, and
//! its TTLs must fit the tenant's TAP policy.

mod helpers;
mod tap_support;

use std::time::Duration;

use entra_emulator::DEMO_USER_PASSWORD;
use helpers::{status_is, TestApp};
use leasehold::client::ApiError;
use leasehold::signin::SignIn;
use leasehold_api::{ErrorCode, Operation};
use serde_json::{json, Value};
use tap_support::{register_web_app, sign_in_page, tap_secret, PageSignIn};

const WAIT: Duration = Duration::from_secs(20);

async fn lease(app: &TestApp, secret: &str, ttl: &str) -> (String, String, String) {
    let reply = app
        .client("dev")
        .command(
            Operation::LeaseCreate,
            &json!({ "secret": secret, "ttl": ttl }),
        )
        .await
        .expect("lease.create");
    assert_eq!(reply["status"], "active", "{reply}");
    let text = |v: &Value| v.as_str().expect("string").to_string();
    (
        text(&reply["lease"]["lease_id"]),
        text(&reply["credential"]["username"]),
        text(&reply["credential"]["password"]),
    )
}

fn refused_with(result: Result<Value, ApiError>, code: ErrorCode) -> Value {
    match result {
        Err(ApiError::Refused {
            code: got, details, ..
        }) if got == code => details,
        other => panic!("expected {code:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_pass_signs_in_on_the_sign_in_page_until_its_lease_is_revoked() {
    let app = TestApp::spawn().await;
    register_web_app(&app.emulator.state());
    app.connect().await;
    let created = tap_secret(&app.admin, "tap", "alice", false, ("1h", "8h")).await;
    let secret = &created["created"][0];
    assert_eq!(
        secret["credential_kind"], "temporary_access_pass",
        "{created}"
    );
    assert_eq!(secret["usable_once"], false);
    assert_eq!(
        secret["tap_policy"],
        json!({"min_lifetime_minutes": 60, "max_lifetime_minutes": 480})
    );

    let (lease_id, username, pass) = lease(&app, "tap-alice", "2h").await;
    let base = app.emulator.base_url();
    let ends = app
        .emulator
        .state()
        .tap_expires_at(entra_emulator::DEMO_TENANT_ID, &username)
        .expect("the user holds a pass");
    let lease_now = app.wait_lease(&lease_id, WAIT, status_is("active")).await;
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(lease_now["expires_at"].clone()).expect("expires_at");
    assert!(
        (ends - expires).num_seconds().abs() < 30,
        "Entra ends the pass with the lease: pass {ends}, lease {expires}"
    );

    assert_eq!(
        sign_in_page(base, &username, &pass).await,
        PageSignIn::Accepted
    );
    assert_eq!(
        sign_in_page(base, &username, &pass).await,
        PageSignIn::Accepted,
        "a reusable pass signs in again"
    );
    // The password grant never takes a pass; the user's own password is untouched.
    assert_eq!(
        app.sign_in(&username, &pass).await,
        SignIn::Refused {
            error: "invalid_grant".into(),
            code: Some(50126)
        }
    );
    assert_eq!(
        app.sign_in(&username, DEMO_USER_PASSWORD).await,
        SignIn::Accepted
    );

    let renewal = app
        .client("dev")
        .command(
            Operation::LeaseRenew,
            &json!({ "lease_id": lease_id, "ttl": "1h" }),
        )
        .await;
    let details = refused_with(renewal, ErrorCode::LeaseNotRenewable);
    assert!(
        details["reason"]
            .as_str()
            .is_some_and(|r| r.contains("Temporary Access Pass")),
        "{details}"
    );

    app.client("dev")
        .command(Operation::LeaseRevoke, &json!({ "lease_id": lease_id }))
        .await
        .expect("revoke");
    app.wait_lease(&lease_id, WAIT, status_is("revoked")).await;
    assert!(
        matches!(sign_in_page(base, &username, &pass).await, PageSignIn::Refused(e) if e.starts_with("AADSTS50126")),
        "a revoked pass no longer signs in"
    );
    assert_eq!(
        app.emulator
            .state()
            .tap_expires_at(entra_emulator::DEMO_TENANT_ID, &username),
        None,
        "revocation deleted the pass"
    );
    let user = app
        .emulator
        .state()
        .user(entra_emulator::DEMO_TENANT_ID, &username)
        .expect("user");
    assert!(user.sign_in_sessions_valid_from > expires - chrono::TimeDelta::hours(2));
    app.stop().await;
}

#[tokio::test]
async fn a_one_time_pass_is_refused_the_second_time() {
    let app = TestApp::spawn().await;
    register_web_app(&app.emulator.state());
    app.connect().await;
    tap_secret(&app.admin, "once", "bob", true, ("1h", "2h")).await;
    let (_, username, pass) = lease(&app, "once-bob", "1h").await;
    let base = app.emulator.base_url();
    assert_eq!(
        sign_in_page(base, &username, &pass).await,
        PageSignIn::Accepted
    );
    assert!(
        matches!(sign_in_page(base, &username, &pass).await, PageSignIn::Refused(e) if e.starts_with("AADSTS50126")),
        "a one-time pass signs in once"
    );
    app.stop().await;
}

#[tokio::test]
async fn ttls_outside_the_tenant_policy_are_refused_with_its_bounds() {
    let app = TestApp::spawn().await;
    app.connect().await;
    let too_long = app
        .admin
        .command(
            Operation::SecretCreate,
            &json!({
                "connection": "contoso",
                "prefix": "long",
                "users": ["carol@contoso.onmicrosoft.com"],
                "credential_kind": "temporary_access_pass",
                "max_ttl": "1d",
            }),
        )
        .await;
    let details = refused_with(too_long, ErrorCode::InvalidTtl);
    assert_eq!(details["max_lifetime_minutes"], 480, "{details}");

    // Without TTLs, the policy's default and maximum lifetimes apply.
    let created = app
        .admin
        .command(
            Operation::SecretCreate,
            &json!({
                "connection": "contoso",
                "prefix": "fits",
                "users": ["carol@contoso.onmicrosoft.com"],
                "credential_kind": "temporary_access_pass",
            }),
        )
        .await
        .expect("secret.create");
    assert_eq!(created["created"][0]["default_ttl"], 3600);
    assert_eq!(created["created"][0]["max_ttl"], 8 * 3600);
    let short = app
        .client("dev")
        .command(
            Operation::LeaseCreate,
            &json!({ "secret": "fits-carol", "ttl": "30m" }),
        )
        .await;
    let details = refused_with(short, ErrorCode::InvalidTtl);
    assert_eq!(details["min_lifetime_minutes"], 60, "{details}");
    app.stop().await;
}

#[tokio::test]
async fn the_tenant_policy_decides_whether_and_how_passes_are_made() {
    let app = TestApp::spawn().await;
    app.connect().await;
    let create = |prefix: &str, extra: Value| {
        let mut payload = json!({
            "connection": "contoso",
            "prefix": prefix,
            "users": ["erin@contoso.onmicrosoft.com"],
        });
        for (k, v) in extra.as_object().expect("object") {
            payload[k] = v.clone();
        }
        let admin = app.admin.clone();
        async move { admin.command(Operation::SecretCreate, &payload).await }
    };
    // `usable_once` means nothing for a password.
    refused_with(
        create("pw", json!({"usable_once": true})).await,
        ErrorCode::InvalidRequest,
    );
    let state = app.emulator.state();
    let tenant = entra_emulator::DEMO_TENANT_ID;
    state
        .set_tap_policy(
            tenant,
            entra_emulator::TapPolicy {
                is_usable_once: true,
                ..entra_emulator::TapPolicy::default()
            },
        )
        .expect("policy");
    let kind = json!({"credential_kind": "temporary_access_pass"});
    refused_with(
        create("reuse", kind.clone()).await,
        ErrorCode::InvalidRequest,
    );
    state
        .set_tap_policy(
            tenant,
            entra_emulator::TapPolicy {
                enabled: false,
                ..entra_emulator::TapPolicy::default()
            },
        )
        .expect("policy");
    let details = refused_with(create("off", kind).await, ErrorCode::InvalidRequest);
    assert_eq!(details["credential_kind"], "temporary_access_pass");
    app.stop().await;
}
