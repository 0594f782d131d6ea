//! Temporary Access Pass calls against the emulator: the policy read, a create whose
//! retry leaves one pass, typed refusals, and a delete that is idempotent to the caller.

mod helpers;

use helpers::*;
use leasehold_graph::ErrorKind;

#[tokio::test]
async fn the_policy_reads_with_its_lifetime_bounds() {
    let env = spawn().await;
    let policy = env.client.tap_policy(&env.creds).await.expect("policy");
    assert!(policy.is_enabled());
    assert_eq!(policy.minimum_lifetime_in_minutes, 60);
    assert_eq!(policy.maximum_lifetime_in_minutes, 480);
    assert_eq!(policy.default_lifetime_in_minutes, 60);
    assert!(!policy.is_usable_once);
}

#[tokio::test]
async fn a_repeated_create_leaves_one_pass_the_last_one() {
    let env = spawn().await;
    let first = env
        .client
        .create_tap(&env.creds, ALICE_ID, 60, true)
        .await
        .expect("create");
    let second = env
        .client
        .create_tap(&env.creds, ALICE_ID, 60, true)
        .await
        .expect("create again");
    let passes = env
        .client
        .list_taps(&env.creds, ALICE_ID)
        .await
        .expect("list");
    assert_eq!(passes.len(), 1, "{passes:?}");
    assert_eq!(passes[0].id, second.id);
    assert_ne!(first.id, second.id);
    assert_eq!(passes[0].is_usable, Some(true));
}

#[tokio::test]
async fn a_lifetime_outside_the_policy_is_an_invalid_request() {
    let env = spawn().await;
    let err = env
        .client
        .create_tap(&env.creds, ALICE_ID, 600, false)
        .await
        .expect_err("beyond the maximum");
    assert_eq!(err.kind(), &ErrorKind::InvalidRequest);
    assert_eq!(err.code(), Some("badRequest"));
    assert!(
        err.message().contains("valid range between 60 and 480"),
        "{err}"
    );
}

#[tokio::test]
async fn deleting_a_pass_twice_is_not_found_the_second_time() {
    let env = spawn().await;
    let tap = env
        .client
        .create_tap(&env.creds, ALICE_ID, 60, false)
        .await
        .expect("create");
    env.client
        .delete_tap(&env.creds, ALICE_ID, &tap.id)
        .await
        .expect("delete");
    let err = env
        .client
        .delete_tap(&env.creds, ALICE_ID, &tap.id)
        .await
        .expect_err("already gone");
    assert_eq!(err.kind(), &ErrorKind::NotFound);
    assert!(env
        .client
        .list_taps(&env.creds, ALICE_ID)
        .await
        .expect("list")
        .is_empty());
}

#[tokio::test]
async fn a_throttled_create_is_typed_throttled_with_retry_after() {
    let config = entra_emulator::EmulatorConfig {
        throttle: entra_emulator::ThrottleConfig {
            enabled: true,
            writes: 1,
            per: std::time::Duration::from_secs(30),
        },
        ..entra_emulator::EmulatorConfig::default()
    };
    let graph_config = leasehold_graph::GraphConfig {
        retry_deadline: std::time::Duration::from_secs(2),
        ..test_config()
    };
    let env = spawn_with(config, graph_config).await;
    env.client
        .create_tap(&env.creds, ALICE_ID, 60, false)
        .await
        .expect("the first write fits the bucket");
    let err = env
        .client
        .create_tap(&env.creds, ALICE_ID, 60, false)
        .await
        .expect_err("the second write is throttled past the deadline");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Throttled {
                retry_after: Some(_)
            }
        ),
        "{err}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn injected_503s_on_a_create_are_retried_to_one_pass() {
    let env = spawn().await;
    env.state().set_faults(entra_emulator::FaultConfig {
        error_rate: 0.5,
        ..entra_emulator::FaultConfig::default()
    });
    for _ in 0..5 {
        env.client
            .create_tap(&env.creds, ALICE_ID, 60, false)
            .await
            .expect("retried to success");
    }
    env.state()
        .set_faults(entra_emulator::FaultConfig::default());
    let passes = env
        .client
        .list_taps(&env.creds, ALICE_ID)
        .await
        .expect("list");
    assert_eq!(passes.len(), 1, "{passes:?}");
}
