//! The `audit.history|at|export|anchor` query operations through `QueryService::handle`:
//! payloads, replies (each checked against its contract type) and authorisation.

#[path = "audit_support/mod.rs"]
mod audit_support;
mod helpers;

use audit_support::audit;
use chrono::Duration;
use helpers::at;
use serde_json::{json, Value};

#[tokio::test]
async fn history_by_lease_or_secret_for_whoever_may_see_the_secret() {
    let a = audit().await;
    let id = a.renewed_then_revoked().await;
    let lease = json!({ "lease_id": id.to_string() });
    let reply = a.ok("auditor", "audit.history", lease.clone()).await;
    let items = reply["items"].as_array().expect("items");
    let types: Vec<&str> = items
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "LeaseRequested",
            "LeaseActivated",
            "LeaseRenewed",
            "LeaseRevocationRequested",
            "LeaseRevoked"
        ]
    );
    assert_eq!(items[0]["actor"], "alice");
    assert_eq!(items[0]["request_id"], "req-1");
    assert_eq!(items[1]["actor"], "system:worker");
    assert_eq!(items[1]["changes"]["credential"], "[sealed]");
    assert_eq!(reply["next"], Value::Null);
    let (ciphertext, key_id): (String, String) = sqlx::query_as(
        "SELECT payload -> 'LeaseActivated' -> 'credential' ->> 'ciphertext',
                payload -> 'LeaseActivated' -> 'credential' ->> 'key_id'
           FROM events WHERE event_type = 'LeaseActivated'",
    )
    .fetch_one(&a.w.db.pool)
    .await
    .expect("sealed");
    let text = reply.to_string();
    assert!(!text.contains(&ciphertext) && !text.contains(&key_id));

    let secret = a
        .ok(
            "root",
            "audit.history",
            json!({"secret": "ops-alice", "limit": 2}),
        )
        .await;
    assert_eq!(secret["items"][1]["event_type"], "LeaseReserved");
    assert_eq!(secret["next"], 2);

    assert_eq!(a.code("alice", "audit.history", lease).await, "forbidden");
    let unknown = json!({"lease_id": "01a21f75-ccbf-7715-accc-4bce459db55d"});
    assert_eq!(a.code("root", "audit.history", unknown).await, "not_found");
    let nobody = json!({"secret": "ops-nobody"});
    assert_eq!(a.code("root", "audit.history", nobody).await, "not_found");
    for bad in [
        json!({}),
        json!({"lease_id": id.to_string(), "secret": "ops-alice"}),
        json!({"lease_id": "not-a-lease"}),
        json!({"secret": "ops-alice", "verbose": true}),
        json!({"secret": "ops-alice", "limit": 0}),
    ] {
        assert_eq!(
            a.code("root", "audit.history", bad).await,
            "invalid_request"
        );
    }
}

#[tokio::test]
async fn at_names_the_holder_across_renewal_until_revocation() {
    let a = audit().await;
    let id = a.renewed_then_revoked().await;
    let ask = |time: chrono::DateTime<chrono::Utc>| json!({"user": helpers::UPN, "time": time.to_rfc3339()});
    // After the original expiry (61) but within the renewal: still alice's lease.
    let reply = a.ok("siem", "audit.at", ask(at(90))).await;
    assert_eq!(reply["user"], helpers::UPN);
    assert_eq!(reply["time"], "2026-11-27T13:30:00Z");
    let holder = &reply["holder"];
    assert_eq!(holder["lease_id"], id.to_string());
    assert_eq!(holder["secret"], "ops-alice");
    assert_eq!(holder["requested_by"], "alice");
    assert_eq!(holder["request_id"], "req-1");
    assert_eq!(holder["valid_from"], "2026-11-27T12:01:00Z");
    assert_eq!(holder["valid_to"], "2026-11-27T13:41:00Z");
    assert_eq!(holder["forced"], false);
    // Before activation and after the confirmed revocation: nobody.
    let before = a
        .ok("root", "audit.at", ask(at(1) - Duration::seconds(1)))
        .await;
    assert_eq!(before["holder"], Value::Null);
    let after = a.ok("root", "audit.at", ask(at(101))).await;
    assert_eq!(after["holder"], Value::Null);

    // The lease's data key is destroyed; the interval is still answerable.
    let live: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM data_keys WHERE key_id LIKE 'lease:%' AND wrapped IS NOT NULL",
    )
    .fetch_one(&a.w.db.pool)
    .await
    .expect("keys");
    assert_eq!(live, 0);
    let again = a.ok("root", "audit.at", ask(at(50))).await;
    assert_eq!(again["holder"]["lease_id"], id.to_string());

    assert_eq!(a.code("alice", "audit.at", ask(at(50))).await, "forbidden");
    assert_eq!(
        a.code("auditor", "audit.at", ask(at(50))).await,
        "forbidden"
    );
    for bad in [
        json!({"user": helpers::UPN, "time": "yesterday"}),
        json!({"user": helpers::UPN, "time": "2026-11-27 13:30"}),
        json!({"user": "not a upn", "time": "2026-11-27T13:30:00Z"}),
        json!({"user": helpers::UPN}),
        json!({"user": helpers::UPN, "time": "2026-11-27T13:30:00Z", "x": 1}),
    ] {
        assert_eq!(a.code("root", "audit.at", bad).await, "invalid_request");
    }
}

#[tokio::test]
async fn export_pages_through_the_window() {
    let a = audit().await;
    a.renewed_then_revoked().await;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&a.w.db.pool)
        .await
        .expect("count");
    let now = chrono::Utc::now();
    let window = |after: Value| {
        json!({"from": (now - Duration::hours(1)).to_rfc3339(),
               "to": (now + Duration::hours(1)).to_rfc3339(), "limit": 4, "after": after})
    };
    let mut after = Value::Null;
    let mut seen = Vec::new();
    loop {
        let page = a.ok("siem", "audit.export", window(after)).await;
        seen.extend(page["items"].as_array().expect("items").iter().cloned());
        if page["next"].is_null() {
            break;
        }
        after = page["next"].clone();
    }
    assert_eq!(seen.len() as i64, total);
    let positions: Vec<i64> = seen
        .iter()
        .filter_map(|e| e["global_position"].as_i64())
        .collect();
    assert!(positions.windows(2).all(|p| p[0] < p[1]));
    assert!(seen
        .iter()
        .all(|e| e["hash"].as_str().is_some_and(|h| h.len() == 64)));
    assert_eq!(
        seen[0]["payload"]["ConnectionCreated"]["client_secret"],
        "[sealed]"
    );

    assert_eq!(
        a.code("auditor", "audit.export", window(Value::Null)).await,
        "forbidden"
    );
    let from = now.to_rfc3339();
    for bad in [
        json!({"from": from, "to": "tomorrow"}),
        json!({"from": from}),
        json!({"from": from, "to": from, "limit": 0}),
        json!({"from": from, "to": from, "limit": 10_001}),
        json!({"from": from, "to": (now - Duration::hours(1)).to_rfc3339()}),
        json!({"from": from, "to": from, "after": "x"}),
    ] {
        assert_eq!(a.code("root", "audit.export", bad).await, "invalid_request");
    }
}

#[tokio::test]
async fn anchor_names_where_the_log_ends_and_verify_runs_through_it() {
    let a = audit().await;
    a.renewed_then_revoked().await;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&a.w.db.pool)
        .await
        .expect("count");
    let anchor = a.ok("siem", "audit.anchor", json!({})).await;
    assert_eq!(anchor["position"], total);
    let hash = anchor["running_hash"].as_str().expect("running hash");
    assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(anchor["at"].is_string());

    let against = json!({"position": anchor["position"], "running_hash": hash});
    let report = a
        .ok("siem", "audit.verify", json!({ "against": against }))
        .await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["against"], against);
    assert_eq!(report["log"], against);

    assert_eq!(
        a.code("auditor", "audit.anchor", json!({})).await,
        "forbidden"
    );
    assert_eq!(
        a.code("root", "audit.anchor", json!({"x": 1})).await,
        "invalid_request"
    );
}
