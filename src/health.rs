//! Liveness (`/healthz`) and readiness (`/readyz`) for load balancers, orchestrators and
//! systemd watchdogs, served on the metrics listener.
//!
//! Readiness checks what this process needs to do its job right now: Postgres answers,
//! every NATS identity it uses is connected, the event stream and the durable consumers
//! of the components it runs exist, the master key opens what it seals, and no component
//! has stopped. Each check has a short deadline so a hung dependency makes `/readyz`
//! answer 503 quickly rather than not at all.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream;
use leasehold_command::Commands;
use serde::Serialize;
use sqlx::PgPool;
use tokio::task::AbortHandle;

use crate::config::NatsRole;
use crate::engine::{Components, Engine};

/// How long one readiness check may take before it counts as failed.
const CHECK_DEADLINE: Duration = Duration::from_secs(2);

/// The running components of a process, by name, so readiness can tell when one ended.
#[derive(Clone, Default)]
pub struct Tracker {
    tasks: Arc<Mutex<Vec<(&'static str, AbortHandle)>>>,
}

impl Tracker {
    /// Records a component's task.
    pub fn track(&self, name: &'static str, handle: AbortHandle) {
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.push((name, handle));
        }
    }

    /// Names of the components whose task has ended.
    fn stopped(&self) -> Result<Vec<&'static str>, String> {
        let tasks = self
            .tasks
            .lock()
            .map_err(|_| "component list unavailable".to_string())?;
        Ok(tasks
            .iter()
            .filter(|(_, h)| h.is_finished())
            .map(|(n, _)| *n)
            .collect())
    }

    fn count(&self) -> usize {
        self.tasks.lock().map_or(0, |t| t.len())
    }
}

/// One JetStream identity and what it should find on the server.
#[derive(Clone)]
struct StreamCheck {
    js: jetstream::Context,
    stream: String,
    consumers: Vec<(NatsRole, jetstream::Context, &'static str)>,
}

/// What `/readyz` checks.
#[derive(Clone)]
pub struct Health {
    pool: PgPool,
    commands: Option<Arc<Commands>>,
    nats: Vec<(NatsRole, async_nats::Client)>,
    stream: Option<StreamCheck>,
    tracker: Tracker,
}

/// The outcome of one check, in the `/readyz` body.
#[derive(Debug, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// What was found (never a secret).
    pub detail: String,
}

/// The `/readyz` body.
#[derive(Debug, Serialize)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// Every check, in a fixed order.
    pub checks: Vec<Check>,
}

impl Readiness {
    /// True when every check passed.
    pub fn ready(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

impl Health {
    /// Readiness of a listener that knows only the database (metrics served on their own).
    pub fn database_only(pool: PgPool) -> Health {
        Health {
            pool,
            commands: None,
            nats: Vec::new(),
            stream: None,
            tracker: Tracker::default(),
        }
    }

    /// Readiness of a process running `components` of `engine`, whose tasks `tracker`
    /// follows.
    pub async fn for_engine(
        engine: &Engine,
        components: Components,
        tracker: Tracker,
    ) -> anyhow::Result<Health> {
        let mut roles = Vec::new();
        if components.command {
            roles.push(NatsRole::Command);
        }
        if components.relay {
            roles.push(NatsRole::Relay);
        }
        if components.worker {
            roles.push(NatsRole::Worker);
        }
        if components.projection {
            roles.push(NatsRole::Projection);
            roles.push(NatsRole::Query);
        }
        let mut nats = Vec::new();
        for role in roles {
            nats.push((role, engine.nats_for(role).await?));
        }
        // Command and query identities have no JetStream rights; the stream is checked
        // as the first identity that has them.
        let js_of = |role: NatsRole| {
            nats.iter()
                .find(|(r, _)| *r == role)
                .map(|(_, c)| jetstream::new(c.clone()))
        };
        let mut consumers = Vec::new();
        if let Some(js) = js_of(NatsRole::Worker) {
            consumers.push((NatsRole::Worker, js, leasehold_worker::ACTIVATIONS_CONSUMER));
        }
        if let Some(js) = js_of(NatsRole::Projection) {
            consumers.push((
                NatsRole::Projection,
                js,
                leasehold_projection::CONSUMER_NAME,
            ));
        }
        let stream = [NatsRole::Relay, NatsRole::Worker, NatsRole::Projection]
            .into_iter()
            .find_map(js_of)
            .map(|js| StreamCheck {
                js,
                stream: engine.subjects.stream_name(),
                consumers,
            });
        Ok(Health {
            pool: engine.pool.clone(),
            commands: Some(engine.commands.clone()),
            nats,
            stream,
            tracker,
        })
    }

    /// Runs every check (concurrently, each under [`CHECK_DEADLINE`]).
    pub async fn readiness(&self) -> Readiness {
        let (postgres, stream) =
            tokio::join!(deadline("postgres", self.postgres()), self.stream_checks());
        let mut checks = vec![postgres, self.nats_check()];
        checks.extend(stream);
        checks.push(self.master_key());
        checks.push(self.components());
        let status = if checks.iter().all(|c| c.ok) {
            "ready"
        } else {
            "not_ready"
        };
        Readiness { status, checks }
    }

    async fn postgres(&self) -> Result<String, String> {
        sqlx::query_scalar::<_, i32>("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .map(|_| "reachable".to_string())
            .map_err(|e| format!("unreachable: {e}"))
    }

    fn nats_check(&self) -> Check {
        if self.nats.is_empty() {
            return passed("nats", "not used by this process");
        }
        let down: Vec<String> = self
            .nats
            .iter()
            .filter(|(_, c)| c.connection_state() != State::Connected)
            .map(|(r, c)| format!("{} {}", r.name(), state_name(c.connection_state())))
            .collect();
        if down.is_empty() {
            passed("nats", "connected")
        } else {
            failed("nats", down.join(", "))
        }
    }

    async fn stream_checks(&self) -> Vec<Check> {
        let Some(check) = &self.stream else {
            return vec![passed(
                "jetstream",
                "not used by this process (no relay, worker or projection)",
            )];
        };
        let stream = deadline("jetstream", async {
            check
                .js
                .get_stream(&check.stream)
                .await
                .map(|_| format!("stream {} present", check.stream))
                .map_err(|e| format!("stream {}: {e}", check.stream))
        });
        let consumers =
            futures::future::join_all(check.consumers.iter().map(|(role, js, name)| async move {
                let found = async {
                    let stream = js
                        .get_stream_no_info(&check.stream)
                        .await
                        .map_err(|e| e.to_string())?;
                    stream
                        .consumer_info(*name)
                        .await
                        .map(|_| format!("{} consumer {name} present", role.name()))
                        .map_err(|e| format!("{} consumer {name}: {e}", role.name()))
                };
                deadline("consumers", found).await
            }));
        let (stream, consumers) = tokio::join!(stream, consumers);
        let mut checks = vec![stream];
        if !consumers.is_empty() {
            let ok = consumers.iter().all(|c| c.ok);
            let detail = consumers
                .into_iter()
                .map(|c| c.detail)
                .collect::<Vec<_>>()
                .join("; ");
            checks.push(Check {
                name: "consumers",
                ok,
                detail,
            });
        }
        checks
    }

    /// Seals and opens a throwaway data key: proves the loaded master key works.
    fn master_key(&self) -> Check {
        let Some(commands) = &self.commands else {
            return passed("master_key", "not used by this listener");
        };
        let master = commands.keys().master();
        let probe = leasehold_crypto::DataKey::generate("readiness-probe");
        match leasehold_crypto::DataKey::unwrap(&probe.wrap(master), master) {
            Ok(_) => passed("master_key", format!("loaded ({})", master.id())),
            Err(e) => failed("master_key", format!("does not open its own seal: {e}")),
        }
    }

    fn components(&self) -> Check {
        match self.tracker.stopped() {
            Ok(stopped) if stopped.is_empty() => {
                passed("components", format!("{} running", self.tracker.count()))
            }
            Ok(stopped) => failed("components", format!("stopped: {}", stopped.join(", "))),
            Err(e) => failed("components", e),
        }
    }
}

async fn deadline(
    name: &'static str,
    check: impl std::future::Future<Output = Result<String, String>>,
) -> Check {
    match tokio::time::timeout(CHECK_DEADLINE, check).await {
        Ok(Ok(detail)) => passed(name, detail),
        Ok(Err(detail)) => failed(name, detail),
        Err(_) => failed(
            name,
            format!("no answer within {} s", CHECK_DEADLINE.as_secs()),
        ),
    }
}

fn passed(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: true,
        detail: detail.into(),
    }
}

fn failed(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: false,
        detail: detail.into(),
    }
}

fn state_name(state: State) -> &'static str {
    match state {
        State::Connected => "connected",
        State::Pending => "reconnecting",
        State::Disconnected => "disconnected",
    }
}
