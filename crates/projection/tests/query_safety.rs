//! Malformed queries are `invalid_request`, and read models hold no secret.

mod helpers;

use helpers::lifecycle::active_lease;
use helpers::query::{decode, fixture};
use helpers::{dump_read_models, CLIENT_SECRET, PASSWORD};
use leasehold_api::ErrorCode;
use serde_json::Value;

#[tokio::test]
async fn malformed_requests_are_invalid_never_a_crash() {
    let f = fixture().await;
    let raw = |actor: &'static str, op: &'static str, body: Vec<u8>| {
        let service = &f.service;
        async move { decode(&service.handle(actor, op, &body).await) }
    };
    #[track_caller]
    fn invalid(r: Result<Value, ErrorCode>) {
        assert_eq!(r, Err(ErrorCode::InvalidRequest));
    }
    invalid(raw("ops", "secret.get", b"not json".to_vec()).await);
    invalid(raw("ops", "secret.get", br#"{"name": 7}"#.to_vec()).await);
    invalid(
        raw(
            "ops",
            "secret.get",
            br#"{"name": "ops-alice", "extra": 1}"#.to_vec(),
        )
        .await,
    );
    invalid(raw("ops", "connection.list", br#"{"limit": 5}"#.to_vec()).await);
    invalid(raw("ops", "lease.list", br#"{"status": "sleeping"}"#.to_vec()).await);
    invalid(
        raw(
            "ops",
            "lease.get",
            br#"{"lease_id": "x", "credentials": "yes"}"#.to_vec(),
        )
        .await,
    );
    invalid(raw("ops", "secret.get", br#"["ops-alice"]"#.to_vec()).await);
    invalid(raw("ops", "secret.get", br#"{"name": "Not A Name!"}"#.to_vec()).await);
    let mut big = br#"{"name": ""#.to_vec();
    big.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
    big.extend(br#""}"#);
    invalid(raw("ops", "secret.get", big).await);
    invalid(raw("ops", "secret.frobnicate", b"{}".to_vec()).await);
    invalid(raw("not a token", "secret.list", b"{}".to_vec()).await);
    // An empty payload counts as {}.
    assert!(raw("ops", "connection.list", Vec::new()).await.is_ok());
}

#[tokio::test]
async fn read_models_hold_no_secret() {
    let f = fixture().await;
    let id = active_lease(&f.w).await;
    f.project().await;
    let ciphertexts: Vec<String> = sqlx::query_scalar(
        "SELECT payload::text FROM events WHERE event_type IN ('ConnectionCreated', 'LeaseActivated')",
    )
    .fetch_all(&f.w.db.pool)
    .await
    .expect("events")
    .into_iter()
    .map(|p: String| {
        let v: Value = serde_json::from_str(&p).expect("json");
        let inner = v.as_object().and_then(|o| o.values().next()).expect("tagged").clone();
        let sealed = inner.get("client_secret").or_else(|| inner.get("credential")).expect("sealed");
        sealed["ciphertext"].as_str().expect("ciphertext").to_string()
    })
    .collect();
    assert_eq!(ciphertexts.len(), 2);
    let text = format!("{:?}", dump_read_models(&f.w.db.pool).await);
    assert!(text.contains(&id.to_string()), "the dump covers the lease");
    for secret in [CLIENT_SECRET, PASSWORD]
        .iter()
        .map(|s| s.to_string())
        .chain(ciphertexts)
    {
        assert!(
            !text.contains(&secret),
            "a secret or sealed value is in the read models"
        );
    }
}
