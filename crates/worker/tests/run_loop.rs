//! `Worker::run`: the loop around the step serves both lanes and stops on shutdown.

mod helpers;

use helpers::*;
use leasehold_domain::LeaseStatus;

#[tokio::test]
async fn run_activates_and_revokes_then_stops_on_shutdown() {
    let mut w = world().await;
    let worker = w.another_worker(test_config());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));

    let lease = w.request_lease().await;
    w.wait_for(lease, "activation", |l| {
        l.status() == Some(LeaseStatus::Active)
    })
    .await;
    let password = w.password(lease).await;
    w.assert_signs_in(&password).await;
    w.revoke(lease, false).await;
    w.wait_for(lease, "revocation", |l| {
        l.status() == Some(LeaseStatus::Revoked)
    })
    .await;
    w.assert_refused(&password).await;

    stop.send(()).expect("worker still running");
    tokio::time::timeout(DEADLINE, running)
        .await
        .expect("run stops on shutdown")
        .expect("no panic")
        .expect("run ended cleanly");
    w.cleanup().await;
}

/// A revocation that becomes due while the loop has nothing to do starts at once: the
/// database notifies the worker, which does not wait for its poll (here an hour).
#[tokio::test]
async fn an_idle_worker_is_woken_by_a_due_revocation() {
    let mut w = world().await;
    let worker = w.another_worker(leasehold_worker::WorkerConfig {
        revocation_poll: std::time::Duration::from_secs(3600),
        ..test_config()
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));

    let lease = w.request_lease().await;
    w.wait_for(lease, "activation", |l| {
        l.status() == Some(LeaseStatus::Active)
    })
    .await;
    w.revoke(lease, false).await;
    w.wait_for(lease, "revocation", |l| {
        l.status() == Some(LeaseStatus::Revoked)
    })
    .await;

    stop.send(()).expect("worker still running");
    tokio::time::timeout(DEADLINE, running)
        .await
        .expect("run stops on shutdown")
        .expect("no panic")
        .expect("run ended cleanly");
    w.cleanup().await;
}
