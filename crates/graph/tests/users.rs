//! Listing and reading users; the 401 token-replacement path.

mod helpers;

use entra_emulator::{EmulatorConfig, RequestKind, Seed};
use helpers::*;
use leasehold_graph::{ErrorKind, UserQuery};
use std::time::Duration;

fn list_calls(env: &TestEnv) -> usize {
    env.state()
        .request_log()
        .iter()
        .filter(|r| r.kind == RequestKind::Graph && r.method == "GET" && r.path == "/v1.0/users")
        .count()
}

async fn spawn_with_generated(n: usize) -> TestEnv {
    let mut config = EmulatorConfig {
        seed: Seed::demo().with_generated_users(DEMO_TENANT_ID, n),
        ..EmulatorConfig::default()
    };
    config.throttle.enabled = false;
    spawn_with(config, test_config()).await
}

#[tokio::test]
async fn list_users_follows_every_next_link() {
    let env = spawn_with_generated(250).await;
    let query = UserQuery {
        starts_with: Some("user".into()),
        page_size: 100,
    };
    let users = env
        .client
        .list_users(&env.creds, &query)
        .await
        .expect("list");
    assert_eq!(users.len(), 250);
    let mut upns: Vec<_> = users
        .iter()
        .map(|u| u.user_principal_name.clone())
        .collect();
    upns.sort();
    upns.dedup();
    assert_eq!(upns.len(), 250, "no user twice");
    assert!(upns.iter().all(|u| u.starts_with("user")));
    assert_eq!(list_calls(&env), 3, "pages of 100, 100, 50");
}

#[tokio::test]
async fn list_users_without_filter_returns_the_whole_directory() {
    let env = spawn_with_generated(250).await;
    let query = UserQuery {
        page_size: 100,
        ..UserQuery::default()
    };
    let users = env
        .client
        .list_users(&env.creds, &query)
        .await
        .expect("list");
    assert_eq!(users.len(), env.state().users(DEMO_TENANT_ID).len());
    assert_eq!(users.len(), 256, "250 generated + 6 demo users");
    let alice = users
        .iter()
        .find(|u| u.id == ALICE_ID)
        .expect("alice listed");
    assert_eq!(alice.user_principal_name, ALICE_UPN);
    assert_eq!(alice.display_name.as_deref(), Some("Alice Adams"));
    assert_eq!(alice.account_enabled, Some(true));
}

#[tokio::test]
async fn list_users_filters_on_display_name_prefix_with_default_page_size() {
    let env = spawn().await;
    let query = UserQuery {
        starts_with: Some("Alice".into()),
        ..UserQuery::default()
    };
    let users = env
        .client
        .list_users(&env.creds, &query)
        .await
        .expect("list");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].id, ALICE_ID);
    let log = env.state().request_log();
    let call = log
        .iter()
        .find(|r| r.path == "/v1.0/users")
        .expect("logged");
    let query = call.query.as_deref().unwrap_or_default();
    assert!(
        query.contains("%24top=999") || query.contains("$top=999"),
        "{query}"
    );
}

#[tokio::test]
async fn get_user_by_id_and_by_upn() {
    let env = spawn().await;
    let by_id = env
        .client
        .get_user(&env.creds, ALICE_ID)
        .await
        .expect("by id");
    let by_upn = env
        .client
        .get_user(&env.creds, ALICE_UPN)
        .await
        .expect("by upn");
    assert_eq!(by_id, by_upn);
    assert_eq!(by_id.user_principal_name, ALICE_UPN);
    assert_eq!(by_id.mail.as_deref(), Some(ALICE_UPN));
}

#[tokio::test]
async fn get_unknown_user_is_not_found_with_request_id() {
    let env = spawn().await;
    let err = env
        .client
        .get_user(&env.creds, "nobody@contoso.onmicrosoft.com")
        .await
        .expect_err("unknown");
    assert_eq!(err.kind(), &ErrorKind::NotFound);
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("Request_ResourceNotFound"));
    assert!(err.request_id().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn fifty_concurrent_calls_share_one_token_request() {
    let env = spawn().await;
    let calls = (0..50).map(|_| env.client.get_user(&env.creds, ALICE_ID));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    let log = env.state().request_log();
    assert_eq!(
        log.iter().filter(|r| r.kind == RequestKind::Token).count(),
        1
    );
    assert_eq!(
        log.iter().filter(|r| r.kind == RequestKind::Graph).count(),
        50
    );
}

#[tokio::test]
async fn a_rejected_token_is_replaced_once() {
    let env = spawn().await;
    env.client
        .get_user(&env.creds, ALICE_ID)
        .await
        .expect("first");
    // The emulator's tokens expire on its own clock; the client still thinks ours is fresh.
    env.state().advance_clock(Duration::from_secs(2 * 3600));
    env.client
        .get_user(&env.creds, ALICE_ID)
        .await
        .expect("after expiry");
    let log = env.state().request_log();
    let statuses: Vec<_> = log
        .iter()
        .filter(|r| r.kind == RequestKind::Graph)
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![200, 401, 200]);
    assert_eq!(
        log.iter().filter(|r| r.kind == RequestKind::Token).count(),
        2
    );
}
