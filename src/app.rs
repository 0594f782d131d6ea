//! Wiring: starts leasehold's components on an [`Engine`] and runs them under one
//! shutdown signal. Tests use the same entry points with their own resources.

use std::sync::Arc;

use async_nats::jetstream;
use leasehold_bus::StreamSettings;
use leasehold_command::service::{CommandService, ServiceConfig, ServiceLimits};
use leasehold_relay::Relay;
use leasehold_scheduler::{Scheduler, SchedulerConfig, SystemClock};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::{Limits, NatsRole};
pub use crate::engine::{rate_limit, Components, Engine};

fn command_limits(limits: &Limits) -> ServiceLimits {
    ServiceLimits {
        rate: rate_limit(limits),
        max_live_leases_per_actor: limits.max_live_leases_per_actor,
    }
}

/// How long stopping may take: requests in flight are answered (a `lease.create` waits
/// at most `activation_wait_secs`, 10 s by default) and handlers finish; whatever is
/// still running after this is aborted.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

/// Running components; stop them with [`Running::stop`].
pub struct Running {
    /// Where the HTTP API listens, when the `http` component runs.
    pub http_addr: Option<std::net::SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<(&'static str, anyhow::Result<()>)>,
}

fn signal(rx: &watch::Receiver<bool>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut rx = rx.clone();
    async move {
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

/// Starts the selected components in this process.
pub async fn start(engine: &Engine, components: Components) -> anyhow::Result<Running> {
    if components.command || components.projection {
        engine.check_nats_refuses_strangers().await?;
    }
    let (stop, rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let tracker = crate::health::Tracker::default();
    if components.relay {
        let relay = Relay::new(
            engine.pool.clone(),
            jetstream::new(engine.nats_for(NatsRole::Relay).await?),
            engine.subjects.clone(),
        )
        .with_stream_settings(StreamSettings {
            replicas: engine.config.stream_replicas,
            ..Default::default()
        });
        let s = signal(&rx);
        tracker.track(
            "relay",
            tasks.spawn(async move { ("relay", relay.run(s).await) }),
        );
    }
    if components.scheduler {
        let scheduler = Scheduler::new(
            engine.commands.clone(),
            Arc::new(SystemClock),
            SchedulerConfig::default(),
        );
        let s = signal(&rx);
        tracker.track(
            "scheduler",
            tasks.spawn(async move { ("scheduler", scheduler.run(s).await) }),
        );
    }
    if components.command {
        let service = CommandService::new(
            engine.commands.clone(),
            engine.graph.clone(),
            engine.config.policy.clone(),
            engine.subjects.clone(),
            ServiceConfig {
                activation_wait: engine.config.activation_wait(),
                limits: command_limits(&engine.config.limits),
                ..Default::default()
            },
        );
        let client = engine.nats_for(NatsRole::Command).await?;
        let s = signal(&rx);
        tracker.track(
            "command",
            tasks.spawn(async move { ("command", service.run(client, s).await) }),
        );
    }
    crate::components::start_worker(engine, components, &rx, &mut tasks, &tracker).await?;
    crate::components::start_projection(engine, components, &rx, &mut tasks, &tracker).await?;
    let http_addr =
        crate::components::start_http(engine, components, &rx, &mut tasks, &tracker).await?;
    if let Some(addr) = engine.config.metrics_listen {
        let listener = crate::metrics::bind(addr).await?;
        let health = crate::health::Health::for_engine(engine, components, tracker).await?;
        let pool = engine.pool.clone();
        let s = signal(&rx);
        tasks.spawn(async move {
            let served = crate::metrics::serve_with_health(pool, health, listener, s).await;
            ("metrics", served)
        });
    }
    Ok(Running {
        http_addr,
        stop,
        tasks,
    })
}

impl Running {
    /// Signals every component to stop and waits up to [`SHUTDOWN_GRACE`] for them to
    /// finish their work in flight; returns the first failure. Components still running
    /// after the grace are aborted (whatever they had not acknowledged is redelivered)
    /// and reported as a failure.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        let mut first = Ok(());
        loop {
            match tokio::time::timeout_at(deadline, self.tasks.join_next()).await {
                Ok(None) => break,
                Ok(Some(Ok((name, Err(e))))) if first.is_ok() => first = Err(e.context(name)),
                Ok(Some(Err(e))) if first.is_ok() && !e.is_cancelled() => {
                    first = Err(anyhow::anyhow!("component panicked: {e}"))
                }
                Ok(Some(_)) => {}
                Err(_) => {
                    let left = self.tasks.len();
                    tracing::error!(
                        components = left,
                        grace_secs = SHUTDOWN_GRACE.as_secs(),
                        "components did not stop within the shutdown grace; aborted"
                    );
                    self.tasks.abort_all();
                    while self.tasks.join_next().await.is_some() {}
                    if first.is_ok() {
                        first = Err(anyhow::anyhow!(
                            "{left} component(s) did not stop within {} s and were aborted",
                            SHUTDOWN_GRACE.as_secs()
                        ));
                    }
                    break;
                }
            }
        }
        first
    }

    /// Waits until a component ends by itself (an error) or `shutdown` resolves.
    pub async fn wait(
        mut self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        tokio::select! {
            _ = shutdown => self.stop().await,
            Some(done) = self.tasks.join_next() => {
                let result = match done {
                    Ok((name, Ok(()))) => Err(anyhow::anyhow!("component {name} stopped unexpectedly")),
                    Ok((name, Err(e))) => Err(e.context(name)),
                    Err(e) => Err(anyhow::anyhow!("component panicked: {e}")),
                };
                let _ = self.stop().await;
                result
            }
        }
    }
}
