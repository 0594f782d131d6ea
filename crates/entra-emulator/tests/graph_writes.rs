//! Graph writes: password reset (policy, permissions, roles) and session revocation.

mod helpers;

use entra_emulator::{UserSeed, DEMO_USER_PASSWORD};
use helpers::*;
use reqwest::Method;

const GOOD: &str = "Leased-Pa55word-Xy7!";

#[tokio::test]
async fn policy_violations_are_400_request_bad_request() {
    let env = demo().await;
    let token = env.demo_token().await;
    for bad in [
        "short1A",
        "alllowercaseletters",
        "Ünïcode-Passw0rd",
        "Tab\tIn-Passw0rd",
        "P@ssw0rd1!",
    ] {
        let body = assert_graph_error(
            env.reset_password(&token, ALICE, bad).await,
            400,
            "Request_BadRequest",
        )
        .await;
        assert_eq!(
            body["error"]["message"],
            "The specified password does not comply with password complexity requirements. Please provide a different password."
        );
    }
    assert_eq!(
        env.emu
            .state()
            .password_matches(TENANT, ALICE, DEMO_USER_PASSWORD),
        Some(true)
    );
}

#[tokio::test]
async fn patch_by_id_succeeds_with_204_and_no_body() {
    let env = demo().await;
    let token = env.demo_token().await;
    let alice = env.emu.state().user(TENANT, ALICE).expect("alice");
    let response = env
        .reset_password(&token, &alice.id.to_string(), GOOD)
        .await;
    assert_eq!(response.status(), 204);
    assert!(response.headers().contains_key("request-id"));
    assert_eq!(
        env.emu.state().password_matches(TENANT, ALICE, GOOD),
        Some(true)
    );
}

#[tokio::test]
async fn unknown_user_patch_is_404() {
    let env = demo().await;
    let token = env.demo_token().await;
    assert_graph_error(
        env.reset_password(&token, "ghost@contoso.onmicrosoft.com", GOOD)
            .await,
        404,
        "Request_ResourceNotFound",
    )
    .await;
}

#[tokio::test]
async fn admin_target_needs_a_privileged_role() {
    let env = demo().await;
    let token = env.demo_token().await;
    let body = assert_graph_error(
        env.reset_password(&token, ADMIN, GOOD).await,
        403,
        "Authorization_RequestDenied",
    )
    .await;
    assert_eq!(
        body["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
    let revoke = env
        .graph(
            Method::POST,
            &format!("/v1.0/users/{ADMIN}/revokeSignInSessions"),
            &token,
        )
        .send()
        .await
        .expect("revoke");
    assert_graph_error(revoke, 403, "Authorization_RequestDenied").await;

    let privileged = "77777777-7777-7777-7777-777777777777";
    env.add_app(
        privileged,
        &["User-PasswordProfile.ReadWrite.All"],
        &["Privileged Authentication Administrator"],
    );
    let token = env.token_for(privileged, "s3cret").await;
    assert_eq!(env.reset_password(&token, ADMIN, GOOD).await.status(), 204);
}

#[tokio::test]
async fn missing_permission_or_role_is_403() {
    let env = demo().await;
    let no_permission = "88888888-8888-8888-8888-888888888888";
    env.add_app(no_permission, &["User.Read.All"], &["User Administrator"]);
    let token = env.token_for(no_permission, "s3cret").await;
    assert_graph_error(
        env.reset_password(&token, ALICE, GOOD).await,
        403,
        "Authorization_RequestDenied",
    )
    .await;
    let revoke = env
        .graph(
            Method::POST,
            &format!("/v1.0/users/{ALICE}/revokeSignInSessions"),
            &token,
        )
        .send()
        .await
        .expect("revoke");
    assert_graph_error(revoke, 403, "Authorization_RequestDenied").await;

    let no_role = "99999999-8888-8888-8888-888888888888";
    env.add_app(
        no_role,
        &[
            "User-PasswordProfile.ReadWrite.All",
            "User.RevokeSessions.All",
        ],
        &[],
    );
    let token = env.token_for(no_role, "s3cret").await;
    assert_graph_error(
        env.reset_password(&token, ALICE, GOOD).await,
        403,
        "Authorization_RequestDenied",
    )
    .await;
}

#[tokio::test]
async fn user_readwrite_all_is_accepted_as_the_older_permission() {
    let env = demo().await;
    let app = "aaaaaaaa-8888-8888-8888-888888888888";
    env.add_app(app, &["User.ReadWrite.All"], &["User Administrator"]);
    let token = env.token_for(app, "s3cret").await;
    assert_eq!(env.reset_password(&token, ALICE, GOOD).await.status(), 204);
    let revoke = env
        .graph(
            Method::POST,
            &format!("/v1.0/users/{ALICE}/revokeSignInSessions"),
            &token,
        )
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoke.status(), 200);
}

#[tokio::test]
async fn revoke_sets_sessions_valid_from() {
    let env = demo().await;
    let token = env.demo_token().await;
    let before = env.emu.state().user(TENANT, ALICE).expect("alice");
    let revoke = env
        .graph(
            Method::POST,
            &format!("/v1.0/users/{ALICE}/revokeSignInSessions"),
            &token,
        )
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoke.status(), 200);
    let after = env.emu.state().user(TENANT, ALICE).expect("alice");
    assert!(after.sign_in_sessions_valid_from > before.sign_in_sessions_valid_from);
    assert_eq!(after.last_password_change, before.last_password_change);
}

#[tokio::test]
async fn malformed_json_is_400() {
    let env = demo().await;
    let token = env.demo_token().await;
    let response = env
        .graph(Method::PATCH, &format!("/v1.0/users/{ALICE}"), &token)
        .body("{not json")
        .send()
        .await
        .expect("patch");
    assert_graph_error(response, 400, "BadRequest").await;
}

#[tokio::test]
async fn added_users_are_manageable() {
    let env = demo().await;
    env.emu
        .state()
        .add_user(
            TENANT,
            UserSeed::new("frank", "contoso.onmicrosoft.com", "Frank", None),
        )
        .expect("add");
    let token = env.demo_token().await;
    assert_eq!(
        env.reset_password(&token, "frank@contoso.onmicrosoft.com", GOOD)
            .await
            .status(),
        204
    );
    assert_eq!(
        env.ropc("frank@contoso.onmicrosoft.com", GOOD, "openid")
            .await
            .status(),
        200
    );
    env.emu
        .state()
        .delete_user(TENANT, "frank@contoso.onmicrosoft.com")
        .expect("delete");
    assert_graph_error(
        env.reset_password(&token, "frank@contoso.onmicrosoft.com", GOOD)
            .await,
        404,
        "Request_ResourceNotFound",
    )
    .await;
}
