//! The projector follows a lease through its life: commands → outbox → relay →
//! JetStream → projector → read models, driven step by step.

mod helpers;

use helpers::lifecycle::{active_lease, finish};
use helpers::{at, meta, row, world, Bus, UPN};
use leasehold_domain::{RevocationReason, Ttl};
use leasehold_projection::Outcome;
use serde_json::json;

#[tokio::test]
async fn read_models_follow_a_lease_through_its_life() {
    let w = world().await;
    let pool = &w.db.pool;
    let mut bus = Bus::new(pool).await;
    assert_eq!(bus.sync().await, 2, "connection and secret created");

    let c = row(pool, "connections", "name", "contoso").await;
    assert_eq!(c["tenant_id"], "11111111-1111-1111-1111-111111111111");
    assert_eq!(c["cloud"], json!({"kind": "global"}));
    assert_eq!(c["last_sequence"], 1);
    let s = row(pool, "dynamic_secrets", "name", "ops-alice").await;
    assert_eq!(s["user_principal_name"], UPN);
    assert_eq!(s["default_ttl_secs"], 3600);
    assert_eq!(s["live_lease_id"], json!(null));

    // requested → active
    let m = meta("alice", at(0)).with_request_id(Some("req-1".into()));
    let lease = w
        .commands
        .request_lease(&w.secret, None, &m)
        .await
        .expect("lease");
    let id = lease.state.terms().expect("terms").lease_id;
    bus.sync().await;
    let l = row(pool, "leases", "lease_id", &id.to_string()).await;
    assert_eq!(l["status"], "requested");
    assert_eq!(l["requested_by"], "alice");
    assert_eq!(l["request_id"], "req-1");
    assert_eq!(l["ttl_secs"], 3600);
    let s = row(pool, "dynamic_secrets", "name", "ops-alice").await;
    assert_eq!(s["live_lease_id"], id.to_string());

    let password = secrecy::SecretString::from(helpers::PASSWORD.to_string());
    w.commands
        .activate_lease(&id, &password, &meta("system:worker", at(1)))
        .await
        .expect("activate");
    bus.sync().await;
    let l = row(pool, "leases", "lease_id", &id.to_string()).await;
    assert_eq!(l["status"], "active");
    assert!(l["activated_at"]
        .as_str()
        .expect("activated")
        .starts_with("2026-11-27T12:01:00"));
    let intervals = activity(pool).await;
    assert_eq!(intervals.len(), 1);
    assert_eq!(intervals[0]["valid_to"], json!(null));
    assert_eq!(intervals[0]["user_principal_name"], UPN);
    assert_eq!(intervals[0]["requested_by"], "alice");

    // renewed
    w.commands
        .renew_lease(
            &id,
            Some(Ttl::from_secs(7200).expect("ttl")),
            &meta("alice", at(10)),
        )
        .await
        .expect("renew");
    bus.sync().await;
    let l = row(pool, "leases", "lease_id", &id.to_string()).await;
    assert_eq!(l["renewals"], 1);
    assert!(l["expires_at"]
        .as_str()
        .expect("expiry")
        .starts_with("2026-11-27T14:10:00"));

    // revoking, with failures
    w.commands
        .revoke_lease(&id, RevocationReason::Manual, false, &meta("alice", at(20)))
        .await
        .expect("revoke");
    for n in 1..=3 {
        w.commands
            .record_revocation_failure(
                &id,
                helpers::lifecycle::failure(n),
                &meta("system:worker", at(20 + n)),
            )
            .await
            .expect("failure");
        bus.sync().await;
        let l = row(pool, "leases", "lease_id", &id.to_string()).await;
        assert_eq!(l["status"], "revoking");
        assert_eq!(l["revocation_reason"], "manual");
        assert_eq!(l["revocation_attempts"], n);
        assert_eq!(l["revocation_failing"], n >= 3, "failing from attempt 3");
        assert_eq!(l["last_error"]["kind"], "transient");
        assert_eq!(l["last_error"]["request_id"], format!("graph-req-{n}"));
        assert!(l["last_error"]["at"].is_string());
    }

    // revoked
    w.commands
        .confirm_revocation(&id, false, &meta("system:worker", at(30)))
        .await
        .expect("confirm");
    bus.sync().await;
    let l = row(pool, "leases", "lease_id", &id.to_string()).await;
    assert_eq!(l["status"], "revoked");
    assert_eq!(l["revocation_failing"], false);
    assert_eq!(l["forced"], false);
    assert!(l["revoked_at"]
        .as_str()
        .expect("revoked")
        .starts_with("2026-11-27T12:30:00"));
    let s = row(pool, "dynamic_secrets", "name", "ops-alice").await;
    assert_eq!(
        s["live_lease_id"],
        json!(null),
        "released after the lease ended"
    );
    let intervals = activity(pool).await;
    assert_eq!(intervals.len(), 1);
    assert!(intervals[0]["valid_from"]
        .as_str()
        .expect("from")
        .starts_with("2026-11-27T12:01:00"));
    assert!(intervals[0]["valid_to"]
        .as_str()
        .expect("to")
        .starts_with("2026-11-27T12:30:00"));

    // A second lease is forced closed: its interval says so.
    let second = active_lease(&w).await;
    w.commands
        .revoke_lease(
            &second,
            RevocationReason::Manual,
            true,
            &meta("admin", at(40)),
        )
        .await
        .expect("force");
    bus.sync().await;
    let l = row(pool, "leases", "lease_id", &second.to_string()).await;
    assert_eq!(
        (l["status"].as_str(), l["forced"].as_bool()),
        (Some("revoked"), Some(true))
    );
    assert_eq!(activity(pool).await.len(), 2);
    assert!(matches!(
        bus.projector.try_process_next().await,
        Ok(Outcome::Idle)
    ));
    bus.cleanup().await;
}

#[tokio::test]
async fn a_malformed_message_is_terminated_and_the_projector_carries_on() {
    let w = world().await;
    let mut bus = Bus::new(&w.db.pool).await;
    let garbage = bus.subjects.event("Lease", "x", "LeaseRequested");
    for body in [&b"not json"[..], br#"{"v":1}"#] {
        bus.js
            .publish(garbage.clone(), body.to_vec().into())
            .await
            .expect("publish")
            .await
            .expect("stored");
    }
    let unknown = serde_json::json!({
        "v": 1, "aggregate_type": "Lease", "aggregate_id": "x", "sequence": 1,
        "event_type": "LeaseRequested", "event_version": "1",
        "payload": {"LeaseRequested": {"lease_id": 42}}, "metadata": {},
        "recorded_at": "2026-11-27T12:00:00Z", "global_position": 1
    });
    bus.js
        .publish(garbage, serde_json::to_vec(&unknown).expect("json").into())
        .await
        .expect("publish")
        .await
        .expect("stored");
    // The three bad messages and the two good ones are all taken off the consumer.
    assert_eq!(bus.sync().await, 5);
    assert!(matches!(
        bus.projector.try_process_next().await,
        Ok(Outcome::Idle)
    ));
    let c = row(&w.db.pool, "connections", "name", "contoso").await;
    assert_eq!(c["last_sequence"], 1);

    // And later events still flow.
    let id = active_lease(&w).await;
    finish(&w, &id).await;
    bus.sync().await;
    let l = row(&w.db.pool, "leases", "lease_id", &id.to_string()).await;
    assert_eq!(l["status"], "revoked");
    bus.cleanup().await;
}

async fn activity(pool: &sqlx::PgPool) -> Vec<serde_json::Value> {
    sqlx::query_scalar("SELECT to_jsonb(a) FROM lease_activity a ORDER BY valid_from")
        .fetch_all(pool)
        .await
        .expect("activity")
}

#[tokio::test]
async fn run_keeps_projecting_until_shutdown() {
    let w = world().await;
    let pool = w.db.pool.clone();
    let mut bus = Bus::new(&pool).await;
    let projector = leasehold_projection::Projector::new(pool.clone(), &bus.js, &bus.subjects)
        .await
        .expect("projector");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(projector.run(async {
        stopped.await.ok();
    }));
    let id = active_lease(&w).await;
    bus.relay_all().await; // only the running projector consumes

    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM leases WHERE lease_id = $1")
                .bind(id.to_string())
                .fetch_optional(&pool)
                .await
                .expect("lease");
        if status.as_deref() == Some("active") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "lease never projected"
        );
        tokio::task::yield_now().await;
    }
    stop.send(()).ok();
    running.await.expect("join").expect("run");
    bus.cleanup().await;
}
