//! Throttling, injected faults and timeouts: calls still succeed, and Retry-After is honoured.

mod helpers;

use chrono::TimeDelta;
use entra_emulator::{
    EmulatorConfig, FaultConfig, LoggedRequest, RequestKind, Seed, ThrottleConfig,
};
use helpers::*;
use leasehold_graph::{generate_password, ErrorKind, GraphConfig};
use std::time::Duration;

/// Requests already on the wire when a 429 is answered cannot be recalled; anything that
/// arrives this long after a 429 was sent after the client could have seen it.
const IN_FLIGHT_SLACK: TimeDelta = TimeDelta::milliseconds(500);

fn writes(log: &[LoggedRequest]) -> Vec<&LoggedRequest> {
    log.iter()
        .filter(|r| r.kind == RequestKind::Graph && r.method == "PATCH")
        .collect()
}

fn retry_after(r: &LoggedRequest) -> TimeDelta {
    TimeDelta::seconds(r.retry_after.expect("429 carries Retry-After") as i64)
}

#[tokio::test]
async fn hundred_concurrent_resets_survive_throttling_and_honour_retry_after() {
    let config = EmulatorConfig {
        seed: Seed::demo().with_generated_users(DEMO_TENANT_ID, 100),
        throttle: ThrottleConfig {
            enabled: true,
            writes: 20,
            per: Duration::from_secs(2),
        },
        ..EmulatorConfig::default()
    };
    let env = spawn_with(config, test_config()).await;
    let ids: Vec<String> = env
        .state()
        .users(DEMO_TENANT_ID)
        .iter()
        .filter(|u| u.user_principal_name.starts_with("user"))
        .map(|u| u.id.to_string())
        .collect();
    assert_eq!(ids.len(), 100);

    let passwords: Vec<_> = ids.iter().map(|_| generate_password(32)).collect();
    let calls = ids
        .iter()
        .zip(&passwords)
        .map(|(id, password)| env.client.set_password(&env.creds, id, password));
    let results = futures::future::join_all(calls).await;
    for result in &results {
        result.as_ref().expect("every reset eventually succeeds");
    }
    for (id, password) in ids.iter().zip(&passwords) {
        use secrecy::ExposeSecret;
        assert_eq!(
            env.state()
                .password_matches(DEMO_TENANT_ID, id, password.expose_secret()),
            Some(true)
        );
    }

    let log = env.state().request_log();
    let writes = writes(&log);
    let throttled: Vec<_> = writes.iter().filter(|r| r.status == 429).collect();
    assert!(
        !throttled.is_empty(),
        "the bucket of 20 must have throttled 100 writes"
    );
    assert_eq!(writes.iter().filter(|r| r.status == 204).count(), 100);
    for t in &throttled {
        let not_before = t.at + retry_after(t);
        // The call that got this 429 never came back before its Retry-After…
        let early_same_call = writes
            .iter()
            .any(|w| w.path == t.path && w.at > t.at && w.at < not_before);
        assert!(!early_same_call, "retried {} before Retry-After", t.path);
        // …and no other write of the app was sent before it either.
        let early_any = writes
            .iter()
            .any(|w| w.at > t.at + IN_FLIGHT_SLACK && w.at < not_before);
        assert!(
            !early_any,
            "a write went out during the hold after {}",
            t.at
        );
    }
}

#[tokio::test]
async fn throttling_beyond_the_deadline_returns_throttled_with_retry_after() {
    let config = EmulatorConfig {
        throttle: ThrottleConfig {
            enabled: true,
            writes: 1,
            per: Duration::from_secs(30),
        },
        ..EmulatorConfig::default()
    };
    let graph_config = GraphConfig {
        retry_deadline: Duration::from_secs(2),
        ..test_config()
    };
    let env = spawn_with(config, graph_config).await;
    env.client
        .set_password(&env.creds, ALICE_ID, &generate_password(32))
        .await
        .expect("first write fits the bucket");
    let err = env
        .client
        .set_password(&env.creds, ALICE_ID, &generate_password(32))
        .await
        .expect_err("second write is throttled for longer than the deadline");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Throttled {
                retry_after: Some(_)
            }
        ),
        "{err}"
    );
    assert!(err.retry_after().expect("retry_after") >= Duration::from_secs(2));
    assert!(err.is_retryable());
    assert_eq!(
        writes(&env.state().request_log()).len(),
        2,
        "gave up without waiting"
    );
}

#[tokio::test]
async fn injected_503s_and_504s_are_retried_to_success() {
    let env = spawn().await;
    env.state().set_faults(FaultConfig {
        error_rate: 0.5,
        ..FaultConfig::default()
    });
    let calls = (0..20).map(|_| env.client.get_user(&env.creds, ALICE_ID));
    let results = futures::future::join_all(calls).await;
    for result in results {
        result.expect("retried past injected faults");
    }
    env.client
        .set_password(&env.creds, ALICE_ID, &generate_password(32))
        .await
        .expect("write retried past injected faults");
    let log = env.state().request_log();
    let failures = log
        .iter()
        .filter(|r| r.kind == RequestKind::Graph && (r.status == 503 || r.status == 504))
        .count();
    assert!(failures > 0, "faults were injected");
    let successes = log
        .iter()
        .filter(|r| r.kind == RequestKind::Graph && (200..300).contains(&r.status))
        .count();
    assert_eq!(successes, 21);
}

#[tokio::test]
async fn hung_requests_time_out_and_are_retried() {
    let graph_config = GraphConfig {
        request_timeout: Duration::from_millis(300),
        ..test_config()
    };
    let mut config = EmulatorConfig::default();
    config.throttle.enabled = false;
    let env = spawn_with(config, graph_config).await;
    // Fetch the token before the faults start (they never touch the token endpoint anyway).
    env.client.verify(&env.creds).await.expect("token");
    env.state().set_faults(FaultConfig {
        timeout_rate: 0.3,
        ..FaultConfig::default()
    });
    let calls = (0..10).map(|_| env.client.get_user(&env.creds, ALICE_UPN));
    for result in futures::future::join_all(calls).await {
        result.expect("retried past hung requests");
    }
}
