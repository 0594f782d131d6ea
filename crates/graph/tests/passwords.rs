//! Password resets and session revocation, proven by signing in at the emulator.

mod helpers;

use helpers::*;
use leasehold_graph::{generate_password, ErrorKind, DEFAULT_PASSWORD_LENGTH};
use secrecy::{ExposeSecret, SecretString};

fn graph_scope(env: &TestEnv) -> String {
    format!("{}/.default", env.base_url())
}

#[tokio::test]
async fn new_password_signs_in_and_the_old_one_no_longer_does() {
    let env = spawn().await;
    let (status, _) = ropc(&env, ALICE_UPN, DEMO_USER_PASSWORD, &graph_scope(&env)).await;
    assert_eq!(status, 200, "seed password works before the reset");

    let password = generate_password(DEFAULT_PASSWORD_LENGTH);
    env.client
        .set_password(&env.creds, ALICE_ID, &password)
        .await
        .expect("reset");

    let (status, body) = ropc(
        &env,
        ALICE_UPN,
        password.expose_secret(),
        &graph_scope(&env),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string());
    let (status, body) = ropc(&env, ALICE_UPN, DEMO_USER_PASSWORD, &graph_scope(&env)).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(aad_code(&body), Some(50126));
    let user = env.state().user(DEMO_TENANT_ID, ALICE_ID).expect("alice");
    assert!(!user.force_change_password_next_sign_in);
}

#[tokio::test]
async fn revoke_sessions_kills_earlier_refresh_tokens() {
    let env = spawn().await;
    let scope = format!("openid offline_access {}", graph_scope(&env));
    let (status, body) = ropc(&env, ALICE_UPN, DEMO_USER_PASSWORD, &scope).await;
    assert_eq!(status, 200, "{body}");
    let refresh_token = body["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string();
    let (status, body) = refresh(&env, &refresh_token).await;
    assert_eq!(status, 200, "refresh works before revocation: {body}");

    env.client
        .revoke_sessions(&env.creds, ALICE_ID)
        .await
        .expect("revoke");

    let (status, body) = refresh(&env, &refresh_token).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(aad_code(&body), Some(50173));
}

#[tokio::test]
async fn resetting_an_admin_needs_a_privileged_role() {
    let env = spawn().await;
    let err = env
        .client
        .set_password(&env.creds, ADMIN_ID, &generate_password(32))
        .await
        .expect_err("User Administrator cannot reset a Global Administrator");
    assert_eq!(err.kind(), &ErrorKind::PermissionDenied);
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.code(), Some("Authorization_RequestDenied"));
    assert!(err.request_id().is_some());
}

#[tokio::test]
async fn a_weak_password_is_a_policy_error_that_never_leaks_the_password() {
    let env = spawn().await;
    let weak = SecretString::from("Zq9".to_string());
    let err = env
        .client
        .set_password(&env.creds, ALICE_ID, &weak)
        .await
        .expect_err("too short");
    assert_eq!(err.kind(), &ErrorKind::PasswordPolicy);
    assert_eq!(err.status(), Some(400));
    assert!(!err.is_retryable());
    assert!(!format!("{err} {err:?}").contains("Zq9"));
    let (status, _) = ropc(&env, ALICE_UPN, DEMO_USER_PASSWORD, &graph_scope(&env)).await;
    assert_eq!(status, 200, "password unchanged");
}

#[tokio::test]
async fn operations_on_unknown_users_are_not_found() {
    let env = spawn().await;
    let missing = "00000000-0000-4000-8000-00000000dead";
    let err = env
        .client
        .set_password(&env.creds, missing, &generate_password(32))
        .await
        .expect_err("no such user");
    assert_eq!(err.kind(), &ErrorKind::NotFound);
    let err = env
        .client
        .revoke_sessions(&env.creds, missing)
        .await
        .expect_err("no such user");
    assert_eq!(err.kind(), &ErrorKind::NotFound);
}
