//! Audit replay: a lease's history, the export of the log, and who held a password when.

mod helpers;

use chrono::{DateTime, Duration, Utc};
use helpers::{at, finished_world, t0, UPN};
use leasehold_audit::{
    export, history, history_page, lease_secret, AuditError, HistoryTarget, SEALED,
};
use leasehold_domain::{LeaseId, SecretName, UserPrincipalName};
use sqlx::PgPool;

/// Every sealed field stored in the log: key ids, nonces and ciphertexts.
async fn sealed_material(pool: &PgPool) -> Vec<String> {
    let material: Vec<String> = sqlx::query_scalar(
        "SELECT v FROM events, LATERAL (VALUES
             (payload -> 'LeaseActivated' -> 'credential'),
             (payload -> 'ConnectionCreated' -> 'client_secret')) s(sealed),
             LATERAL (VALUES (sealed ->> 'key_id'), (sealed ->> 'nonce'),
                             (sealed ->> 'ciphertext')) f(v)
          WHERE sealed IS NOT NULL",
    )
    .fetch_all(pool)
    .await
    .expect("sealed material");
    assert_eq!(material.len(), 6, "one credential and one client secret");
    material
}

fn assert_no_sealed_material(json: &str, material: &[String]) {
    for value in material {
        assert!(!json.contains(value.as_str()), "{value} leaked into {json}");
    }
}

#[tokio::test]
async fn a_lease_history_tells_the_whole_story_without_sealed_material() {
    let (w, id) = finished_world().await;
    let pool = &w.db.pool;
    let entries = history(pool, &HistoryTarget::Lease(id))
        .await
        .expect("history");
    let story: Vec<(i64, &str, Option<&str>)> = entries
        .iter()
        .map(|e| (e.sequence, e.event_type.as_str(), e.actor.as_deref()))
        .collect();
    assert_eq!(
        story,
        vec![
            (1, "LeaseRequested", Some("alice")),
            (2, "ActivationAttemptFailed", Some("system:worker")),
            (3, "LeaseActivated", Some("system:worker")),
            (4, "LeaseRenewed", Some("alice")),
            (5, "LeaseRevocationRequested", Some("system:scheduler")),
            (6, "RevocationAttemptFailed", Some("system:worker")),
            (7, "LeaseRevoked", Some("system:worker")),
        ]
    );
    assert_eq!(entries[0].request_id.as_deref(), Some("req-1"));
    assert_eq!(entries[0].changes["requested_by"], "alice");
    assert_eq!(entries[3].at, Some(at(10)));
    assert_eq!(entries[3].changes["expires_at"], "2026-11-27T14:10:00Z");
    assert_eq!(entries[4].changes["reason"], "expired");
    assert_eq!(entries[1].changes["error"]["kind"], "transient");
    assert_eq!(entries[5].changes["attempt"], 1);
    assert_eq!(entries[2].changes["credential"], SEALED);
    assert!(entries
        .iter()
        .all(|e| e.hash.as_ref().is_some_and(|h| h.len() == 64)));

    // The data key was destroyed at revocation; the history is still all there.
    let live_keys: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM data_keys WHERE key_id LIKE 'lease:%' AND wrapped IS NOT NULL",
    )
    .fetch_one(pool)
    .await
    .expect("keys");
    assert_eq!(live_keys, 0);

    let json = serde_json::to_string(&entries).expect("json");
    assert_no_sealed_material(&json, &sealed_material(pool).await);
    assert_eq!(
        lease_secret(pool, &id).await.expect("secret").as_deref(),
        Some("ops-alice")
    );
}

#[tokio::test]
async fn a_secret_history_pages_and_unknown_targets_are_empty() {
    let (w, id) = finished_world().await;
    let pool = &w.db.pool;
    let secret = HistoryTarget::Secret(SecretName::parse("ops-alice").expect("name"));
    let all = history(pool, &secret).await.expect("history");
    let types: Vec<&str> = all.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["SecretCreated", "LeaseReserved", "LeaseReleased"]);
    assert_eq!(all[1].changes["lease_id"], id.to_string());

    let first = history_page(pool, &secret, None, 2).await.expect("page");
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.next, Some(2));
    let rest = history_page(pool, &secret, first.next, 2)
        .await
        .expect("page");
    assert_eq!(rest.items, all[2..].to_vec());
    assert_eq!(rest.next, None);

    let unknown = LeaseId::parse("01a21f75-ccbf-7715-accc-4bce459db55d").expect("id");
    let none = history(pool, &HistoryTarget::Lease(unknown))
        .await
        .expect("history");
    assert!(none.is_empty());
    assert_eq!(lease_secret(pool, &unknown).await.expect("secret"), None);
}

#[tokio::test]
async fn export_pages_in_global_order_with_hashes_and_no_sealed_material() {
    let (w, _id) = finished_world().await;
    let pool = &w.db.pool;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await
        .expect("count");
    let (from, to) = (
        Utc::now() - Duration::hours(1),
        Utc::now() + Duration::hours(1),
    );
    let mut items = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = export(pool, from, to, after, 4).await.expect("export");
        pages += 1;
        assert!(page.items.len() <= 4);
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(items.len() as i64, total);
    assert!(pages >= 3);
    assert!(items
        .windows(2)
        .all(|p| p[0].global_position < p[1].global_position));
    let activated = items
        .iter()
        .find(|e| e.event_type == "LeaseActivated")
        .expect("activation");
    assert_eq!(activated.payload["LeaseActivated"]["credential"], SEALED);
    let created = &items[0];
    assert_eq!(created.event_type, "ConnectionCreated");
    assert_eq!(
        created.payload["ConnectionCreated"]["client_secret"],
        SEALED
    );
    assert_eq!(created.metadata["actor"], "admin");
    assert_eq!(created.prev_hash, None);
    let renewed = items
        .iter()
        .find(|e| e.event_type == "LeaseRenewed")
        .expect("renewal");
    let activated_hash = activated.hash.clone();
    assert_eq!(renewed.prev_hash, activated_hash);

    let json = serde_json::to_string(&items).expect("json");
    assert_no_sealed_material(&json, &sealed_material(pool).await);

    let past = export(
        pool,
        t0() - Duration::days(9),
        t0() - Duration::days(8),
        None,
        10,
    )
    .await
    .expect("export");
    assert!(past.items.is_empty() && past.next.is_none());
    assert!(matches!(
        export(pool, to, from, None, 10).await,
        Err(AuditError::Invalid(_))
    ));
    assert!(matches!(
        export(pool, from, to, None, 0).await,
        Err(AuditError::Invalid(_))
    ));
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn at_picks_the_interval_covering_the_time() {
    let w = helpers::world().await;
    let pool = &w.db.pool;
    sqlx::query(
        "INSERT INTO lease_activity (lease_id, secret, user_principal_name, valid_from,
                                     valid_to, forced, requested_by, request_id)
         VALUES ('a', 'ops-alice', $1, '2026-11-24T10:00:00Z', '2026-11-24T11:00:00Z', false, 'alice', 'r1'),
                ('b', 'ops-alice', $1, '2026-11-24T11:30:00Z', '2026-11-24T12:00:00Z', true, 'bob', NULL),
                ('c', 'ops-alice', $1, '2026-11-24T13:00:00Z', NULL, false, 'carol', 'r3'),
                ('x', 'ops-bob', 'bob@contoso.onmicrosoft.com', '2026-11-24T09:00:00Z', NULL, false, 'bob', NULL)",
    )
    .bind(UPN)
    .execute(pool)
    .await
    .expect("activity");
    let alice = UserPrincipalName::parse(UPN).expect("upn");
    let holder = |t: &'static str| {
        let alice = alice.clone();
        async move {
            leasehold_audit::at(pool, &alice, time(t))
                .await
                .expect("at")
                .map(|h| (h.lease_id, h.forced))
        }
    };
    assert_eq!(holder("2026-11-24T09:59:59Z").await, None);
    assert_eq!(
        holder("2026-11-24T10:00:00Z").await,
        Some(("a".into(), false))
    );
    assert_eq!(
        holder("2026-11-24T10:59:59Z").await,
        Some(("a".into(), false))
    );
    assert_eq!(holder("2026-11-24T11:00:00Z").await, None); // valid_to is exclusive
    assert_eq!(
        holder("2026-11-24T11:45:00Z").await,
        Some(("b".into(), true))
    );
    assert_eq!(holder("2026-11-24T12:30:00Z").await, None);
    assert_eq!(
        holder("2030-01-01T00:00:00Z").await,
        Some(("c".into(), false))
    );
    let full = leasehold_audit::at(pool, &alice, time("2026-11-24T10:30:00Z"))
        .await
        .expect("at")
        .expect("holder");
    assert_eq!(full.requested_by, "alice");
    assert_eq!(full.request_id.as_deref(), Some("r1"));
    assert_eq!(full.valid_to, Some(time("2026-11-24T11:00:00Z")));
}
