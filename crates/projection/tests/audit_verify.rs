//! `audit.verify` through `QueryService::handle`: chain problems, and the read-model
//! drift half (rows compared with the fold of their events).

#[path = "audit_support/mod.rs"]
mod audit_support;
mod helpers;

use audit_support::audit;
use leasehold_projection::rebuild;
use serde_json::json;

#[tokio::test]
async fn verify_reports_chain_problems_and_drift_until_rebuild() {
    let a = audit().await;
    let id = a.renewed_then_revoked().await;
    let clean = a.ok("siem", "audit.verify", json!({})).await;
    assert_eq!(clean["ok"], true, "{clean}");
    assert_eq!(clean["aggregates"], 3);
    assert_eq!(clean["problems"], json!([]));

    a.sql("UPDATE leases SET status = 'active', renewals = 5")
        .await;
    a.sql("UPDATE lease_activity SET requested_by = 'mallory'")
        .await;
    a.sql("DELETE FROM dynamic_secrets").await;
    a.sql(
        "INSERT INTO connections SELECT 'ghost', tenant_id, client_id, cloud, created_at,
           NULL, NULL, 1 FROM connections",
    )
    .await;
    let report = a.ok("siem", "audit.verify", json!({})).await;
    assert_eq!(report["ok"], false);
    let problems: Vec<(String, String, String)> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            assert_eq!(p["kind"], "read_model_drift", "{p}");
            (
                p["aggregate_type"].as_str().unwrap_or_default().to_string(),
                p["aggregate_id"].as_str().unwrap_or_default().to_string(),
                p["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(problems[0].1, "ops-alice");
    assert!(problems[0].2.contains("no dynamic_secrets row"));
    assert_eq!(problems[1].1, id.to_string());
    assert!(
        problems[1].2.ends_with("in: renewals, status"),
        "{}",
        problems[1].2
    );
    assert_eq!(problems[2].1, "ghost");

    // Only the activity interval differs: it is named on its own.
    rebuild(&a.w.db.pool).await.expect("rebuild");
    a.sql("UPDATE lease_activity SET requested_by = 'mallory'")
        .await;
    let report = a.ok("root", "audit.verify", json!({})).await;
    assert_eq!(
        report["problems"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    let message = report["problems"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("lease_activity") && message.ends_with("requested_by"));

    rebuild(&a.w.db.pool).await.expect("rebuild");
    assert_eq!(a.ok("root", "audit.verify", json!({})).await["ok"], true);

    // A chain problem comes through the op too.
    a.sql(
        "UPDATE events SET metadata = '{\"actor\":\"mallory\"}' WHERE event_type = 'LeaseRenewed'",
    )
    .await;
    let report = a.ok("root", "audit.verify", json!({})).await;
    assert_eq!(report["problems"][0]["kind"], "edited", "{report}");
    assert_eq!(report["problems"][0]["sequence"], 3);

    assert_eq!(
        a.code("alice", "audit.verify", json!({})).await,
        "forbidden"
    );
    assert_eq!(
        a.code("root", "audit.verify", json!({"x": 1})).await,
        "invalid_request"
    );
}

#[tokio::test]
async fn unprojected_events_are_drift() {
    let a = audit().await;
    // Nothing projected yet: every aggregate lacks its row.
    let report = a.ok("root", "audit.verify", json!({})).await;
    assert_eq!(report["ok"], false);
    let kinds: Vec<&str> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["read_model_drift", "read_model_drift"]);
    rebuild(&a.w.db.pool).await.expect("rebuild");
    assert_eq!(a.ok("root", "audit.verify", json!({})).await["ok"], true);
}
