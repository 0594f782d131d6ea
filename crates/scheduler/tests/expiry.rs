//! Deadlines are durable, claimed once, moved by renewals, and expire as
//! `system:scheduler`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use leasehold_command::Commands;
use leasehold_domain::{LeaseId, LeaseStatus};
use leasehold_scheduler::{Clock, Scheduler, SchedulerConfig, Step};
use leasehold_store::testing::TestDb;
use leasehold_testkit::{lifecycle, meta, t0, world_with};
use secrecy::SecretString;

struct TestClock(Mutex<DateTime<Utc>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock")
    }
}

impl TestClock {
    fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().expect("clock") = t;
    }
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

async fn setup() -> (TestDb, Arc<Commands>, LeaseId) {
    let w = world_with(60, 600).await;
    let id = lifecycle::active(&w, &meta("alice", t0())).await;
    (w.db, Arc::new(w.commands), id)
}

fn scheduler(commands: &Arc<Commands>, clock: &Arc<TestClock>) -> Scheduler {
    Scheduler::new(
        commands.clone(),
        clock.clone(),
        SchedulerConfig {
            claim_for: Duration::from_secs(30),
            ..Default::default()
        },
    )
}

#[tokio::test]
async fn expires_at_the_deadline_as_the_scheduler() {
    let (db, commands, id) = setup().await;
    let clock = Arc::new(TestClock(Mutex::new(t0() + secs(59))));
    let s = scheduler(&commands, &clock);
    assert_eq!(
        s.step().await.expect("step"),
        Step::Idle(Some(t0() + secs(60)))
    );
    clock.set(t0() + secs(60));
    assert_eq!(s.step().await.expect("step"), Step::Expired(1));
    let lease = commands.leases.load(&id).await.expect("load");
    assert_eq!(lease.status(), Some(LeaseStatus::Revoking));
    let actor: String = sqlx::query_scalar(
        "SELECT metadata ->> 'actor' FROM events WHERE event_type = 'LeaseRevocationRequested'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("event");
    assert_eq!(actor, "system:scheduler");
    assert_eq!(
        s.step().await.expect("step"),
        Step::Idle(None),
        "nothing left"
    );
}

#[tokio::test]
async fn a_renewal_moves_the_deadline() {
    let (_db, commands, id) = setup().await;
    let clock = Arc::new(TestClock(Mutex::new(t0() + secs(30))));
    let m = meta("alice", t0() + secs(30));
    commands.renew_lease(&id, None, &m).await.expect("renew");
    let s = scheduler(&commands, &clock);
    clock.set(t0() + secs(60));
    assert_eq!(
        s.step().await.expect("step"),
        Step::Idle(Some(t0() + secs(90)))
    );
    clock.set(t0() + secs(90));
    assert_eq!(s.step().await.expect("step"), Step::Expired(1));
}

#[tokio::test]
async fn a_restarted_scheduler_expires_a_deadline_that_passed_while_down() {
    let (_db, commands, id) = setup().await;
    let clock = Arc::new(TestClock(Mutex::new(t0() + secs(3600))));
    // A fresh scheduler (after any crash) finds the durable deadline.
    let s = scheduler(&commands, &clock);
    assert_eq!(s.step().await.expect("step"), Step::Expired(1));
    let lease = commands.leases.load(&id).await.expect("load");
    assert_eq!(lease.status(), Some(LeaseStatus::Revoking));
}

#[tokio::test]
async fn a_claim_left_by_a_crashed_scheduler_lapses() {
    let (db, commands, id) = setup().await;
    // A scheduler claimed the lease and died before expiring it.
    sqlx::query("UPDATE lease_deadlines SET claimed_until = $1")
        .bind(t0() + secs(90))
        .execute(&db.pool)
        .await
        .expect("claim");
    let clock = Arc::new(TestClock(Mutex::new(t0() + secs(61))));
    let s = scheduler(&commands, &clock);
    assert_eq!(
        s.step().await.expect("step"),
        Step::Idle(Some(t0() + secs(90)))
    );
    clock.set(t0() + secs(91));
    assert_eq!(s.step().await.expect("step"), Step::Expired(1));
    let lease = commands.leases.load(&id).await.expect("load");
    assert_eq!(lease.status(), Some(LeaseStatus::Revoking));
}

#[tokio::test]
async fn two_schedulers_expire_a_lease_once() {
    let (db, commands, _id) = setup().await;
    let clock = Arc::new(TestClock(Mutex::new(t0() + secs(61))));
    let (a, b) = (scheduler(&commands, &clock), scheduler(&commands, &clock));
    let (ra, rb) = tokio::join!(a.step(), b.step());
    let total = [ra.expect("a"), rb.expect("b")]
        .iter()
        .map(|s| match s {
            Step::Expired(n) => *n,
            Step::Idle(_) => 0,
        })
        .sum::<usize>();
    assert_eq!(total, 1);
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'LeaseRevocationRequested'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("count");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_clock_running_ahead_of_the_database_expires_nothing_early() {
    // A lease issued now (by the real clock) that expires in a minute.
    let w = world_with(60, 600).await;
    // Whole seconds: the database keeps microseconds.
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 0);
    let m = meta("alice", now);
    let lease = w
        .commands
        .request_lease(&w.secret, None, &m)
        .await
        .expect("lease");
    let terms = lease.state.terms().expect("terms").clone();
    w.commands
        .activate_lease(
            &terms.lease_id,
            &SecretString::from("P4ss-word!xyz".to_string()),
            &m,
        )
        .await
        .expect("activate");
    let commands = Arc::new(w.commands);
    // The scheduler's host clock runs a day ahead of the database.
    let clock = Arc::new(TestClock(Mutex::new(now + chrono::Duration::days(1))));
    let s = scheduler(&commands, &clock);

    assert_eq!(
        s.step().await.expect("step"),
        Step::Idle(Some(terms.expires_at))
    );
    let state = commands.leases.load(&terms.lease_id).await.expect("load");
    assert_eq!(state.status(), Some(LeaseStatus::Active));
    drop(w.db);
}
