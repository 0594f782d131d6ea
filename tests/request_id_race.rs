//! `lease.create` names the lease its request id made, even when that lease ends in
//! the instant between the handler seeing it active and opening its credential (a
//! drill once saw a request answered with no lease while its lease was activated and
//! revoked 80 ms later, never handed to its requester).
//!
//! The window is opened deterministically by a test-only fault hook that force-revokes
//! the lease exactly there.

mod helpers;

use helpers::TestApp;
use leasehold::client::ApiError;
use leasehold_api::Operation;
use leasehold_command::service::FAULT_END_BEFORE_REPLY;
use serde_json::json;

#[tokio::test]
async fn a_lease_ended_before_its_reply_is_still_named_to_its_requester() {
    let app = TestApp::spawn().await;
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    let dev = app.client("dev");
    let request_id = format!("{FAULT_END_BEFORE_REPLY}drill-145-1");
    let create = json!({ "secret": "ops-alice", "ttl": "10m" });

    let lease_ids: Vec<String> =
        sqlx::query_scalar("SELECT aggregate_id FROM events WHERE event_type = 'LeaseRequested'")
            .fetch_all(&app.engine.pool)
            .await
            .expect("events");
    assert!(lease_ids.is_empty());

    // First attempt, and a retry of the same request id (as after a lost reply).
    for attempt in 1..=2 {
        let reply = dev
            .command_with_id(Operation::LeaseCreate, &create, &request_id)
            .await;
        let made: Vec<String> = sqlx::query_scalar(
            "SELECT aggregate_id FROM events WHERE event_type = 'LeaseRequested'",
        )
        .fetch_all(&app.engine.pool)
        .await
        .expect("events");
        assert_eq!(made.len(), 1, "one lease for one request id");
        match reply {
            Err(ApiError::Refused { code, details, .. }) => {
                assert_eq!(
                    code,
                    leasehold_api::ErrorCode::LeaseNotActive,
                    "attempt {attempt}: {details}"
                );
                assert_eq!(
                    details["lease"]["lease_id"].as_str(),
                    Some(made[0].as_str()),
                    "attempt {attempt}: the reply does not name the lease its request made: {details}"
                );
            }
            other => panic!("attempt {attempt}: expected lease_not_active, got {other:?}"),
        }
    }
    app.stop().await;
}
