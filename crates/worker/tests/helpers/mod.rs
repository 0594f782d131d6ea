//! A world for worker tests: a fresh database, a JetStream stream under a unique prefix,
//! an Entra emulator on port 0, a connection and a dynamic secret for alice, a relay and
//! a worker. Tests drive the relay and the worker step by step.
#![allow(dead_code)]

mod events;
mod signin;

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use chrono::Utc;
use entra_emulator::{
    Emulator, EmulatorConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID,
};
use leasehold_bus::Subjects;
use leasehold_command::{Commands, Meta, NewConnection};
use leasehold_domain::{
    Actor, Cloud, ConnectionName, Lease, LeaseId, RevocationReason, SecretName,
};
use leasehold_graph::{GraphClient, GraphConfig};
use leasehold_relay::{Relay, RelayStep};
use leasehold_store::testing::TestDb;
use leasehold_testkit::{nats, seed, Poll};
use leasehold_worker::{Outcome, Worker, WorkerConfig, WorkerDeps};
use secrecy::SecretString;

pub const TENANT: &str = DEMO_TENANT_ID;
pub const ALICE: &str = "alice@contoso.onmicrosoft.com";
/// Longest a test waits for a condition.
pub const DEADLINE: Duration = Duration::from_secs(30);
/// How often a waiting test looks again when the worker had nothing to do.
const POLL: Duration = Duration::from_millis(50);

pub struct World {
    pub db: TestDb,
    pub commands: Arc<Commands>,
    pub emu: Emulator,
    pub js: jetstream::Context,
    pub subjects: Subjects,
    pub relay: Relay,
    pub worker: Worker,
    /// The workers' user-lock connections (a pool of their own, as in the engine).
    pub locks: sqlx::PgPool,
    pub secret: SecretName,
    pub alice_id: String,
    pub http: reqwest::Client,
}

/// Worker settings for tests: fast retries, short ack wait (a crashed message comes back
/// within a second).
pub fn test_config() -> WorkerConfig {
    WorkerConfig {
        ack_wait: Duration::from_secs(1),
        retry_base: Duration::from_millis(100),
        idle_poll: POLL,
        ..WorkerConfig::default()
    }
}

/// Graph settings for tests: one HTTP attempt per call, so faults surface at once.
fn graph_config() -> GraphConfig {
    GraphConfig {
        request_timeout: Duration::from_secs(5),
        retry_deadline: Duration::from_secs(2),
        max_attempts: 1,
        ..GraphConfig::default()
    }
}

pub fn meta(actor: &str) -> Meta {
    Meta::new(Actor::parse(actor).expect("actor"), Utc::now())
}

pub async fn world() -> World {
    world_with(test_config()).await
}

pub async fn world_with(config: WorkerConfig) -> World {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db = TestDb::new().await;
    let commands = Arc::new(leasehold_testkit::commands(&db));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let emu = Emulator::start(EmulatorConfig::default(), listener)
        .await
        .expect("emulator");
    let alice_id = emu
        .state()
        .user(TENANT, ALICE)
        .expect("alice")
        .id
        .to_string();

    let connection = NewConnection {
        name: ConnectionName::parse("contoso").expect("name"),
        tenant_id: DEMO_TENANT_ID.into(),
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: SecretString::from(DEMO_CLIENT_SECRET.to_string()),
        cloud: Cloud::Custom {
            login_url: emu.base_url().to_string(),
            graph_url: emu.base_url().to_string(),
        },
    };
    let ttl = (3600, 86400);
    let secret = seed(
        &commands,
        connection,
        &alice_id,
        "Alice Adams",
        ttl,
        &meta("admin"),
    )
    .await;

    let client = leasehold_bus::connect(&nats::url(), "worker-tests")
        .await
        .expect("nats");
    let js = jetstream::new(client);
    let subjects = nats::unique_subjects();
    let relay = Relay::new(db.pool.clone(), js.clone(), subjects.clone());
    let graph = GraphClient::new(graph_config()).expect("graph client");
    let locks = leasehold_store::connect(&db.url, 8)
        .await
        .expect("lock pool");
    let worker = Worker::new(
        WorkerDeps {
            commands: commands.clone(),
            graph,
            js: js.clone(),
            subjects: subjects.clone(),
            pool: locks.clone(),
        },
        config,
    );
    worker.setup().await.expect("worker setup");
    let http = reqwest::Client::builder().no_proxy().build().expect("http");
    World {
        db,
        commands,
        emu,
        js,
        subjects,
        relay,
        worker,
        locks,
        secret,
        alice_id,
        http,
    }
}

impl World {
    /// Another worker on the same consumers (as a second process would be).
    pub fn another_worker(&self, config: WorkerConfig) -> Worker {
        Worker::new(
            WorkerDeps {
                commands: self.commands.clone(),
                graph: GraphClient::new(graph_config()).expect("graph client"),
                js: self.js.clone(),
                subjects: self.subjects.clone(),
                pool: self.locks.clone(),
            },
            config,
        )
    }

    /// Waits until `done(lease)` holds while something else drives the worker.
    pub async fn wait_for(
        &mut self,
        lease: LeaseId,
        what: &str,
        done: impl Fn(&Lease) -> bool,
    ) -> Lease {
        let mut poll = Poll::new(DEADLINE, POLL);
        loop {
            self.publish().await;
            let state = self.lease(lease).await;
            if done(&state) {
                return state;
            }
            assert!(poll.again().await, "timed out waiting for {what}");
        }
    }

    /// Requests a lease on alice's secret as `requester`.
    pub async fn request_lease(&self) -> LeaseId {
        let done = self
            .commands
            .request_lease(&self.secret, None, &meta("requester"))
            .await
            .expect("request lease");
        done.state.terms().expect("terms").lease_id
    }

    pub async fn revoke(&self, lease: LeaseId, force: bool) {
        self.commands
            .revoke_lease(&lease, RevocationReason::Manual, force, &meta("admin"))
            .await
            .expect("revoke");
    }

    pub async fn lease(&self, lease: LeaseId) -> Lease {
        self.commands.leases.load(&lease).await.expect("load lease")
    }

    /// Publishes the whole outbox.
    pub async fn publish(&mut self) {
        while let RelayStep::Published(_) = self.relay.step().await.expect("relay step") {}
    }

    /// Publishes, then steps the worker until it is idle.
    pub async fn settle(&mut self) {
        self.publish().await;
        while let Outcome::Processed(_) = self.worker.try_process_next().await.expect("worker step")
        {
            self.publish().await;
        }
    }

    /// Publishes and steps the worker until `done(lease)` holds, within [`DEADLINE`].
    pub async fn drive_until(
        &mut self,
        lease: LeaseId,
        what: &str,
        done: impl Fn(&Lease) -> bool,
    ) -> Lease {
        let mut poll = Poll::new(DEADLINE, POLL);
        loop {
            self.publish().await;
            let outcome = self.worker.try_process_next().await.expect("worker step");
            let state = self.lease(lease).await;
            if done(&state) {
                return state;
            }
            // After progress, step again at once; when idle, wait for the next poll.
            let in_time = if outcome == Outcome::Idle {
                poll.again().await
            } else {
                !poll.expired()
            };
            assert!(
                in_time,
                "timed out waiting for {what}; lease is {:?}, events {:?}",
                state.status(),
                self.history(lease).await
            );
        }
    }

    /// Removes the test's stream from NATS.
    pub async fn cleanup(self) {
        let _ = self.js.delete_stream(self.subjects.stream_name()).await;
        self.emu.shutdown().await;
    }
}
