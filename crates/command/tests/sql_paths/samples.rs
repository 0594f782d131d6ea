//! Events of every type the SQL reads, written by a real lifecycle and read back as stored.

use leasehold_domain::{FailureInfo, FoldedFailures, RevocationReason, Ttl};
use leasehold_testkit::{at, meta, world, World, PASSWORD};
use secrecy::SecretString;
use serde_json::Value;

/// A stored event: its type, payload and metadata, parsed from the stored text.
pub struct Stored {
    /// `event_type` column.
    pub event_type: String,
    /// `payload` column.
    pub payload: Value,
    /// `metadata` column.
    pub metadata: Value,
}

/// Runs a lease through request, activation, renewal, failed and confirmed revocation, and
/// a second one through a forced revocation, then returns every stored event. The world is
/// returned too: its database lives as long as it does.
pub async fn lifecycle() -> (World, Vec<Stored>) {
    let w = world().await;
    let alice = meta("alice", at(0)).with_request_id(Some("req-1".into()));
    w.commands
        .update_secret(
            &w.secret,
            Some(Ttl::from_secs(1800).expect("ttl")),
            None,
            None,
            &meta("admin", at(0)),
        )
        .await
        .expect("update secret");
    let lease = w
        .commands
        .request_lease(&w.secret, None, &alice)
        .await
        .expect("request");
    let id = lease.state.terms().expect("terms").lease_id;
    let failure = |kind: &str| FailureInfo {
        kind: kind.into(),
        message: "Graph returned 503".into(),
        request_id: Some("graph-req".into()),
    };
    w.commands
        .record_activation_failure(
            &id,
            failure("transient"),
            false,
            &meta("system:worker", at(0)),
        )
        .await
        .expect("activation failure");
    w.commands
        .activate_lease(
            &id,
            &SecretString::from(PASSWORD),
            &meta("system:worker", at(1)),
        )
        .await
        .expect("activate");
    w.commands
        .renew_lease(&id, None, &meta("alice", at(2)))
        .await
        .expect("renew");
    w.commands
        .revoke_lease(&id, RevocationReason::Manual, false, &meta("alice", at(3)))
        .await
        .expect("revoke");
    let folded = FoldedFailures {
        error: failure("throttled"),
        count: 2,
        throttled: 2,
        last_at: at(4),
    };
    w.commands
        .record_revocation_failure_after(
            &id,
            failure("transient"),
            Some(folded),
            Some(5000),
            &meta("system:worker", at(4)),
        )
        .await
        .expect("revocation failure");
    w.commands
        .confirm_revocation(&id, false, &meta("system:worker", at(5)))
        .await
        .expect("confirm");
    let second = w
        .commands
        .request_lease(&w.secret, None, &meta("alice", at(6)))
        .await
        .expect("second request");
    let second = second.state.terms().expect("terms").lease_id;
    w.commands
        .revoke_lease(
            &second,
            RevocationReason::Manual,
            true,
            &meta("admin", at(7)),
        )
        .await
        .expect("force revoke");
    w.commands
        .confirm_revocation(&second, true, &meta("system:worker", at(8)))
        .await
        .expect("scramble confirmed");
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT event_type, payload::text, metadata::text FROM events ORDER BY global_position",
    )
    .fetch_all(&w.db.pool)
    .await
    .expect("read events");
    let stored = rows
        .into_iter()
        .map(|(event_type, payload, metadata)| Stored {
            event_type,
            payload: serde_json::from_str(&payload).expect("payload is JSON"),
            metadata: serde_json::from_str(&metadata).expect("metadata is JSON"),
        })
        .collect();
    (w, stored)
}
