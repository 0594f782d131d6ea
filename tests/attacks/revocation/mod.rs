//! Shared pieces of the revocation attacks: the policy with two ordinary actors, an
//! in-process worker with fast retries, and probes of the emulator and the event store.
#![allow(dead_code)]

use std::time::Duration;

use entra_emulator::DEMO_USER_PASSWORD;
use leasehold::client::ApiClient;
use leasehold::config::NatsRole;
use leasehold::signin::SignIn;
use leasehold_command::Policy;
use leasehold_graph::{GraphClient, GraphConfig};
use leasehold_testkit::policy::one_rule;
use leasehold_testkit::Poll;
use leasehold_worker::{Worker, WorkerConfig, WorkerDeps};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::helpers::{lease_create, lease_id_of, password_of, TestApp};

mod fairness;
pub mod process;

/// alice's UPN in the emulator's demo tenant.
pub const ALICE: &str = "alice@contoso.onmicrosoft.com";

/// The documented shape: `admin` is the administrator; alice and bob may lease the
/// `ops-*` secrets (`lease.*`), nothing more.
pub fn two_actors() -> Policy {
    one_rule(&["alice", "bob"], &["lease.*", "secret.get"], &["ops-*"])
}

/// A lease on `secret` taken by `client`: (lease id, password).
pub async fn lease(client: &ApiClient, secret: &str) -> (String, String) {
    let reply = lease_create(client, secret, Some("1h")).await;
    assert_eq!(reply["status"], "active", "{reply}");
    (lease_id_of(&reply), password_of(&reply))
}

/// The error code of a refused request (panics when it was accepted).
pub fn code(result: Result<Value, leasehold::client::ApiError>) -> String {
    match result {
        Ok(v) => panic!("expected a refusal, got {v}"),
        Err(leasehold::client::ApiError::Refused { code, .. }) => code.to_string(),
        Err(e) => panic!("expected a refusal, got {e}"),
    }
}

/// Worker settings standing for production's on a short time scale: the backoff starts at
/// 50 ms and is capped at 500 ms (1 s once failing) where production uses 1 s, 60 s, 5 min.
pub fn fast_worker_config() -> WorkerConfig {
    WorkerConfig {
        retry_base: Duration::from_millis(50),
        revocation_retry_cap: Duration::from_millis(500),
        failing_revocation_retry_cap: Duration::from_secs(1),
        idle_poll: Duration::from_millis(50),
        ..WorkerConfig::default()
    }
}

/// The longest step between two revocation attempts under [`fast_worker_config`].
pub const ONE_STEP: Duration = Duration::from_secs(1);

/// A worker running in this process (the app runs without its own), stopped on drop of
/// the returned sender.
pub async fn start_worker(
    app: &TestApp,
    config: WorkerConfig,
) -> (oneshot::Sender<()>, JoinHandle<()>) {
    let graph = GraphClient::new(GraphConfig {
        max_attempts: 1,
        ..app.engine.config.graph()
    })
    .expect("graph client");
    let deps = WorkerDeps {
        commands: app.engine.commands.clone(),
        graph,
        // The worker's own identity, as in production.
        js: async_nats::jetstream::new(
            app.engine
                .nats_for(NatsRole::Worker)
                .await
                .expect("the worker logs in"),
        ),
        subjects: app.engine.subjects.clone(),
        pool: app.engine.pool.clone(),
    };
    let worker = Worker::new(deps, config);
    worker.setup().await.expect("worker setup");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        worker
            .run(async move {
                let _ = stopped.await;
            })
            .await
            .expect("worker run");
    });
    (stop, task)
}

/// Graph password writes that failed so far (one per scramble attempt while Graph fails).
pub fn failed_password_writes(app: &TestApp) -> usize {
    app.emulator
        .state()
        .request_log()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.starts_with("/v1.0/users/") && r.status >= 500)
        .count()
}

/// Waits until at least `n` password writes failed.
pub async fn wait_failed_writes(app: &TestApp, n: usize, within: Duration) {
    let mut poll = Poll::new(within, Duration::from_millis(50));
    loop {
        let seen = failed_password_writes(app);
        if seen >= n {
            return;
        }
        assert!(
            poll.again().await,
            "only {seen} of {n} failed password writes"
        );
    }
}

/// Events of one type for a lease, oldest first (payload bodies).
pub async fn events_of(app: &TestApp, lease_id: &str, event_type: &str) -> Vec<Value> {
    let rows: Vec<Value> = sqlx::query_scalar(
        "SELECT payload -> $2 FROM events
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND event_type = $2
          ORDER BY sequence",
    )
    .bind(lease_id)
    .bind(event_type)
    .fetch_all(&app.db.pool)
    .await
    .expect("events");
    rows
}

/// Polls until `password` no longer signs in as alice (`invalid_grant`), within `within`.
pub async fn wait_password_dead(app: &TestApp, password: &str, within: Duration) {
    let mut poll = Poll::new(within, Duration::from_millis(50));
    loop {
        match app.sign_in(ALICE, password).await {
            SignIn::Refused { error, .. } if error == "invalid_grant" => return,
            other => assert!(
                poll.again().await,
                "the revoked password still signs in ({other:?}) after {within:?}"
            ),
        }
    }
}

/// True while alice's seeded password is the one in the emulator (nothing was scrambled).
pub fn untouched(app: &TestApp) -> bool {
    app.emulator
        .state()
        .password_matches(entra_emulator::DEMO_TENANT_ID, ALICE, DEMO_USER_PASSWORD)
        == Some(true)
}

/// Waits until some session of this test's database holds an advisory lock: the worker
/// locks the Entra user before its Graph call, so the revocation is then in flight.
pub async fn wait_user_locked(app: &TestApp, within: Duration) {
    let mut poll = Poll::new(within, Duration::from_millis(20));
    loop {
        let held: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
              WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("pg_locks");
        if held > 0 {
            return;
        }
        assert!(
            poll.again().await,
            "no worker took the revocation in {within:?}"
        );
    }
}

/// The value of an unlabelled gauge in a metrics text.
pub fn gauge(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}
