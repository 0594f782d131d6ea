//! `lease.get` (with and without the credential) and `lease.list`.

mod helpers;

use helpers::lifecycle::{active_lease, finish};
use helpers::query::fixture;
use helpers::{PASSWORD, UPN};
use serde_json::json;

#[tokio::test]
async fn leases_and_their_credentials() {
    let f = fixture().await;
    let id = active_lease(&f.w).await;
    f.project().await;
    let lease_id = id.to_string();

    let got = f
        .ok("bob", "lease.get", json!({"lease_id": lease_id}))
        .await;
    assert_eq!(got["lease"]["status"], "active");
    assert_eq!(got["lease"]["ttl"], 3600, "TTLs are seconds in every reply");
    assert!(got.get("credential").is_none());
    assert_eq!(
        f.code("mallory", "lease.get", json!({"lease_id": lease_id}))
            .await,
        "forbidden"
    );

    let with = json!({"lease_id": lease_id, "credentials": true});
    let mine = f.ok("alice", "lease.get", with.clone()).await;
    assert_eq!(
        mine["credential"],
        json!({"username": UPN, "password": PASSWORD})
    );
    assert_eq!(
        f.ok("root", "lease.get", with.clone()).await["credential"]["password"],
        PASSWORD
    );
    assert_eq!(f.code("bob", "lease.get", with.clone()).await, "forbidden");

    let list = f
        .ok(
            "ops",
            "lease.list",
            json!({"status": "active", "requested_by": "alice"}),
        )
        .await;
    assert_eq!(list["items"][0]["lease_id"], lease_id);
    assert_eq!(list["next"], json!(null));
    let by_secret = f
        .ok(
            "alice",
            "lease.list",
            json!({"secret": "ops-alice", "limit": 5}),
        )
        .await;
    assert_eq!(by_secret["items"].as_array().expect("items").len(), 1);
    let revoked = f
        .ok("ops", "lease.list", json!({"status": "revoked"}))
        .await;
    assert_eq!(revoked["items"], json!([]));
    assert_eq!(
        f.code("mallory", "lease.list", json!({"secret": "ops-alice"}))
            .await,
        "forbidden"
    );
    assert_eq!(
        f.ok("mallory", "lease.list", json!({})).await["items"],
        json!([])
    );
    for limit in [0, 1001] {
        assert_eq!(
            f.code("ops", "lease.list", json!({"limit": limit})).await,
            "invalid_request"
        );
    }

    finish(&f.w, &id).await;
    f.project().await;
    assert_eq!(f.code("alice", "lease.get", with).await, "lease_not_active");
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        f.code("alice", "lease.get", json!({"lease_id": unknown}))
            .await,
        "not_found"
    );
    assert_eq!(
        f.code("alice", "lease.get", json!({"lease_id": "nope"}))
            .await,
        "invalid_request"
    );
}
