//! Client credentials against the emulator's token endpoint.

mod helpers;

use entra_emulator::RequestKind;
use helpers::*;
use leasehold_graph::ErrorKind;

#[tokio::test]
async fn verify_accepts_the_demo_app() {
    let env = spawn().await;
    env.client
        .verify(&env.creds)
        .await
        .expect("demo credentials work");
}

#[tokio::test]
async fn verify_fetches_a_fresh_token_every_time() {
    let env = spawn().await;
    env.client.verify(&env.creds).await.expect("first");
    env.client.verify(&env.creds).await.expect("second");
    let tokens = env
        .state()
        .request_log()
        .iter()
        .filter(|r| r.kind == RequestKind::Token)
        .count();
    assert_eq!(tokens, 2);
}

#[tokio::test]
async fn token_errors_are_auth_errors_with_the_aad_code() {
    let env = spawn().await;
    let cases = [
        (
            "wrong secret",
            env.creds_with(DEMO_TENANT_ID, DEMO_CLIENT_ID, "not-the-secret"),
            401,
            "AADSTS7000215",
        ),
        (
            "unknown app",
            env.creds_with(
                DEMO_TENANT_ID,
                "99999999-9999-9999-9999-999999999999",
                DEMO_CLIENT_SECRET,
            ),
            400,
            "AADSTS700016",
        ),
        (
            "unknown tenant",
            env.creds_with(
                "99999999-0000-0000-0000-000000000000",
                DEMO_CLIENT_ID,
                DEMO_CLIENT_SECRET,
            ),
            400,
            "AADSTS90002",
        ),
    ];
    for (case, creds, status, code) in cases {
        let err = env.client.verify(&creds).await.expect_err(case);
        assert_eq!(err.kind(), &ErrorKind::Auth, "{case}: {err}");
        assert_eq!(err.code(), Some(code), "{case}");
        assert_eq!(err.status(), Some(status), "{case}");
        assert!(!err.is_retryable(), "{case}");
        assert!(!err.to_string().contains(DEMO_CLIENT_SECRET), "{case}");
    }
    // Non-retryable: exactly one token request per case.
    let tokens = env
        .state()
        .request_log()
        .iter()
        .filter(|r| r.kind == RequestKind::Token)
        .count();
    assert_eq!(tokens, 3);
}

#[tokio::test]
async fn graph_calls_with_bad_credentials_fail_as_auth() {
    let env = spawn().await;
    let creds = env.creds_with(DEMO_TENANT_ID, DEMO_CLIENT_ID, "not-the-secret");
    let err = env
        .client
        .get_user(&creds, ALICE_ID)
        .await
        .expect_err("bad secret");
    assert_eq!(err.kind(), &ErrorKind::Auth);
    assert_eq!(err.code(), Some("AADSTS7000215"));
}
