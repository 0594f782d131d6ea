//! `leasehold demo`: the whole flow against local Postgres and NATS, with a built-in
//! Entra emulator, printed step by step.

mod flow;
mod print;

/// The `connection.create` payload that registers the emulator's demo application as
/// connection `name` (the demo, the tests and the benchmarks all use it).
pub fn emulator_connection(name: &str, emulator: &Emulator) -> serde_json::Value {
    let base = emulator.base_url();
    serde_json::json!({
        "name": name,
        "tenant_id": entra_emulator::DEMO_TENANT_ID,
        "client_id": entra_emulator::DEMO_CLIENT_ID,
        "client_secret": entra_emulator::DEMO_CLIENT_SECRET,
        "cloud": { "kind": "custom", "login_url": base, "graph_url": base },
    })
}

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use entra_emulator::{Emulator, EmulatorConfig};
use leasehold_api::{Operation, Permission};
use leasehold_command::{Policy, Rule};
use leasehold_crypto::MasterKey;

use crate::app::{self, Components, Engine};
use crate::Config;

/// The stems of the demo's database and subject prefix; each run appends its own id, so
/// two demos on one machine never meet, and removes both when it ends.
const DEMO_DATABASE: &str = "leasehold_demo";
const DEMO_PREFIX: &str = "leasehold-demo";

/// The resources of one run.
struct Run {
    database: String,
    prefix: String,
}

impl Run {
    fn new() -> Run {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let id = &id[..10];
        Run {
            database: format!("{DEMO_DATABASE}_{id}"),
            prefix: format!("{DEMO_PREFIX}-{id}"),
        }
    }
}

/// Runs the demo.
pub async fn run(config_path: Option<&Path>) -> anyhow::Result<()> {
    crate::tls::install_ring_provider();
    let base = Config::load(config_path)?;
    let run = Run::new();
    let config = demo_config(&base, &run)?;
    print::title("leasehold demo");
    print::step(&format!(
        "PostgreSQL: {} (database {}, made for this run and removed at its end)",
        crate::config::mask_url(&base.database_url),
        run.database
    ));
    crate::database::recreate_database(&config.database_url)
        .await
        .map_err(|e| unreachable_postgres(&base.database_url, e))?;
    print::step(&format!(
        "NATS: {} (prefix {}; insecure_nats = true: the demo does not check \
         that clients without credentials are kept out, `serve` does)",
        crate::config::mask_url(&config.nats_url),
        run.prefix
    ));
    if let Err(e) = reset_stream(&config).await {
        drop_database(&config.database_url).await;
        return Err(e);
    }
    let outcome = run_engine(config.clone()).await;
    let removed = remove(&config).await;
    outcome?;
    removed?;
    print::step(&format!(
        "removed database {} and stream of prefix {}",
        run.database, run.prefix
    ));
    print::title("demo finished");
    Ok(())
}

/// Starts the emulator and the engine, walks the flow, stops both.
async fn run_engine(config: Config) -> anyhow::Result<()> {
    let emulator = Emulator::start(
        EmulatorConfig::default(),
        tokio::net::TcpListener::bind("127.0.0.1:0").await?,
    )
    .await
    .context("start the Entra emulator")?;
    print::step(&format!(
        "Entra emulator: {} (seeded demo tenant {})",
        emulator.base_url(),
        entra_emulator::DEMO_TENANT_ID
    ));
    let master = MasterKey::generate();
    print::step(&format!(
        "master key: generated for this run ({})",
        master.id()
    ));
    let engine = Engine::connect(config, master).await?;
    let running = app::start(&engine, Components::ALL).await?;
    print::step("engine: command, relay, worker, scheduler and projection running");

    let outcome = flow::walk(&engine, &emulator).await;
    let stopped = running.stop().await;
    emulator.shutdown().await;
    outcome?;
    stopped
}

/// Removes the run's stream and database (the database even if the stream is gone).
async fn remove(config: &Config) -> anyhow::Result<()> {
    let stream = reset_stream(config).await;
    drop_database(&config.database_url).await;
    stream
}

/// Drops the run's database; a failure is only logged (the run's outcome matters more).
async fn drop_database(url: &str) {
    use sqlx::{ConnectOptions, Connection};
    let dropped = async {
        let options: sqlx::postgres::PgConnectOptions = url.parse()?;
        let name = options.get_database().unwrap_or_default().to_string();
        let mut conn = options.clone().database("postgres").connect().await?;
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        sqlx::query(&format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            .execute(&mut conn)
            .await?;
        conn.close().await.ok();
        anyhow::Ok(())
    };
    if let Err(e) = dropped.await {
        tracing::warn!(error = %e, "could not drop the demo's database");
    }
}

fn demo_config(base: &Config, run: &Run) -> anyhow::Result<Config> {
    let mut config = base.clone();
    let url = base
        .database_url
        .rsplit_once('/')
        .map(|(server, _)| format!("{server}/{}", run.database))
        .context("the database URL names no database")?;
    config.database_url = url;
    config.subject_prefix = run.prefix.clone();
    config.activation_wait_secs = 15;
    // The demo runs against a local development server, which usually has no
    // authentication; it says so when it starts.
    config.insecure_nats = true;
    config.policy = Policy {
        admins: vec!["operator".into()],
        rules: vec![Rule {
            actors: vec!["dev".into()],
            ops: vec![
                Permission::ALL_LEASE_OPS.into(),
                Operation::SecretGet.name().into(),
                Operation::SecretList.name().into(),
            ],
            secrets: vec!["demo-*".into()],
        }],
        delegates: Vec::new(),
        admin_roles: Vec::new(),
    };
    Ok(config)
}

fn unreachable_postgres(url: &str, e: anyhow::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot use PostgreSQL at {}: {e:#}\n  start it with `docker compose up -d postgres`, \
         or `pg_ctlcluster <version> main start`, or point LEASEHOLD_DATABASE_URL at it",
        crate::config::mask_url(url)
    )
}

/// Deletes the run's stream (missing is fine); fails when NATS has no JetStream.
async fn reset_stream(config: &Config) -> anyhow::Result<()> {
    let nats = config
        .nats_endpoint(crate::config::NatsRole::Relay)
        .connect("leasehold-demo", None)
        .await?;
    let subjects = leasehold_bus::Subjects::new(&config.subject_prefix)?;
    let js = async_nats::jetstream::new(nats.clone());
    // A missing stream is fine; a server without JetStream is not.
    let outcome = tokio::time::timeout(
        Duration::from_secs(5),
        js.delete_stream(subjects.stream_name()),
    )
    .await;
    match outcome {
        Err(_) => anyhow::bail!(
            "NATS at {} does not answer JetStream requests: start nats-server with -js",
            crate::config::mask_url(&config.nats_url)
        ),
        Ok(Err(e)) if e.to_string().to_lowercase().contains("not enabled") => anyhow::bail!(
            "NATS at {} has JetStream disabled: start nats-server with -js",
            crate::config::mask_url(&config.nats_url)
        ),
        Ok(_) => {}
    }
    Ok(())
}
