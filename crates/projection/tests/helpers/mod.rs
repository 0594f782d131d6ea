//! Shared set-up for the projection tests: a fresh database with a connection and a
//! dynamic secret, a unique NATS prefix with its own stream, and helpers that drive the
//! relay and the projector step by step.

#![allow(dead_code, unused_imports)] // each test binary uses a different part of this module

pub mod lifecycle;
pub mod query;

use async_nats::jetstream;
use leasehold_bus::{EventMessage, Subjects};
use leasehold_projection::{Outcome, Projector};
use leasehold_relay::{Relay, RelayStep};
use sqlx::PgPool;

pub use leasehold_testkit::nats::{unique_subjects, url as nats_url};
pub use leasehold_testkit::{at, meta, t0, world, World, CLIENT_SECRET, PASSWORD, UPN};

/// NATS with a prefix of its own: relay and projector over one test stream.
pub struct Bus {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    pub subjects: Subjects,
    pub relay: Relay,
    pub projector: Projector,
}

impl Bus {
    pub async fn new(pool: &PgPool) -> Bus {
        let client = leasehold_bus::connect(&nats_url(), "projection-test")
            .await
            .expect("NATS");
        let js = jetstream::new(client.clone());
        let subjects = unique_subjects();
        let projector = Projector::new(pool.clone(), &js, &subjects)
            .await
            .expect("projector");
        let relay = Relay::new(pool.clone(), js.clone(), subjects.clone());
        Bus {
            client,
            js,
            subjects,
            relay,
            projector,
        }
    }

    /// Relays the outbox until it is empty.
    pub async fn relay_all(&mut self) {
        loop {
            match self.relay.step().await.expect("relay step") {
                RelayStep::Published(_) => continue,
                RelayStep::Idle => break,
                RelayStep::Standby => panic!("another relay holds this test's database"),
            }
        }
    }

    /// Relays the outbox until it is empty, then projects until the consumer is idle.
    pub async fn sync(&mut self) -> usize {
        self.relay_all().await;
        let mut total = 0;
        while let Outcome::Applied(n) = self.projector.try_process_next().await.expect("project") {
            total += n;
        }
        total
    }

    pub async fn cleanup(self) {
        self.js
            .delete_stream(self.subjects.stream_name())
            .await
            .expect("delete test stream");
    }
}

/// Every row of every read model, as text, table by table in key order.
pub async fn dump_read_models(pool: &PgPool) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for table in ["connections", "dynamic_secrets", "leases", "lease_activity"] {
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT t::text FROM {table} t ORDER BY 1"))
                .fetch_all(pool)
                .await
                .expect("dump");
        out.push((table.to_string(), rows));
    }
    out
}

/// One read-model row as JSON.
pub async fn row(pool: &PgPool, table: &str, key: &str, id: &str) -> serde_json::Value {
    sqlx::query_scalar(&format!(
        "SELECT to_jsonb(t) FROM {table} t WHERE {key} = $1"
    ))
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap_or_else(|e| panic!("row {table}/{id}: {e}"))
}

/// The `events` table as the relay would publish it, in global order.
pub async fn stored_messages(pool: &PgPool) -> Vec<EventMessage> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload,
                metadata, recorded_at, global_position
           FROM events ORDER BY global_position",
    )
    .fetch_all(pool)
    .await
    .expect("events");
    rows.into_iter()
        .map(|r| EventMessage {
            v: 1,
            aggregate_type: r.get("aggregate_type"),
            aggregate_id: r.get("aggregate_id"),
            sequence: r.get("sequence"),
            event_type: r.get("event_type"),
            event_version: r.get("event_version"),
            payload: r.get("payload"),
            metadata: r.get("metadata"),
            recorded_at: r.get("recorded_at"),
            global_position: r.get("global_position"),
        })
        .collect()
}
