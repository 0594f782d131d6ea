//! Secret hygiene, attacked from outside: someone who later gets a database dump and
//! the master key (a stolen backup with its key file) tries to open client secrets the
//! operator already replaced or deleted; someone on the engine's host tries to get the
//! engine's memory written to disk as a core file, or read it as the same user. The
//! engine runs under its own identities on a nats-server with the shipped
//! `deploy/nats/leasehold.conf`.

mod helpers;
mod nats_server;

use std::time::Duration;

use entra_emulator::{DEMO_CLIENT_ID, DEMO_TENANT_ID};
use helpers::{accepting_secrets, TestApp};
use leasehold::app::Components;
use leasehold::client::{ApiClient, ApiError};
use leasehold_api::Operation;
use leasehold_bus::Subjects;
use leasehold_command::Policy;
use leasehold_crypto::{open, MasterKey};
use leasehold_domain::Sealed;
use leasehold_store::KeyStoreError;
use leasehold_testkit::Poll;
use nats_server::NatsServer;
use secrecy::ExposeSecret;
use serde_json::{json, Value};

const FIRST: &str = "first-client-secret-0000000000000000000";
const SECOND: &str = "second-client-secret-111111111111111111";

/// Every sealed client secret in the connection's events, oldest first, as a dump
/// of the `events` table shows them.
async fn sealed_client_secrets(app: &TestApp, connection: &str) -> Vec<Sealed> {
    let payloads: Vec<Value> = sqlx::query_scalar(
        "SELECT payload FROM events WHERE aggregate_type = 'Connection' AND aggregate_id = $1
          ORDER BY sequence",
    )
    .bind(connection)
    .fetch_all(&app.engine.pool)
    .await
    .expect("read events");
    payloads
        .iter()
        .filter_map(|p| {
            let event = p.as_object()?.values().next()?;
            serde_json::from_value(event.get("client_secret")?.clone()).ok()
        })
        .collect()
}

/// What the thief recovers from `sealed` with the dump and the master key.
async fn recover(app: &TestApp, connection: &str, sealed: &Sealed) -> Result<String, String> {
    match app.engine.commands.keys().load(&sealed.key_id).await {
        Ok(key) => open(&key, connection, sealed)
            .map(|s| s.expose_secret().to_string())
            .map_err(|e| e.to_string()),
        Err(e @ KeyStoreError::Gone(_)) => Err(e.to_string()),
        Err(e) => panic!("unexpected key store failure: {e}"),
    }
}

#[tokio::test]
async fn a_rotated_or_deleted_client_secret_cannot_be_recovered_from_a_dump() {
    let server = NatsServer::start().await;
    let app = TestApp::spawn_secured(
        &server,
        accepting_secrets(&[FIRST, SECOND]),
        Components::ALL,
        Policy::allow_all(),
    )
    .await;
    let base = app.emulator.base_url().to_string();
    app.admin
        .command(
            Operation::ConnectionCreate,
            &json!({
                "name": "contoso", "tenant_id": DEMO_TENANT_ID, "client_id": DEMO_CLIENT_ID,
                "client_secret": FIRST,
                "cloud": { "kind": "custom", "login_url": base, "graph_url": base },
            }),
        )
        .await
        .expect("connection.create");
    let sealed = sealed_client_secrets(&app, "contoso").await;
    assert_eq!(sealed.len(), 1);
    // Sanity: before any rotation the dump and the key do open it (the attack works
    // against a live secret, as it must: the engine needs it).
    assert_eq!(
        recover(&app, "contoso", &sealed[0]).await.as_deref(),
        Ok(FIRST)
    );

    app.admin
        .command(
            Operation::ConnectionRotate,
            &json!({ "name": "contoso", "client_secret": SECOND }),
        )
        .await
        .expect("connection.rotate");
    let sealed = sealed_client_secrets(&app, "contoso").await;
    assert_eq!(sealed.len(), 2);
    let old = recover(&app, "contoso", &sealed[0]).await;
    assert!(
        old.is_err(),
        "the rotated-away client secret is still recoverable: {:?}",
        old.map(|s| s.len())
    );
    assert_eq!(
        recover(&app, "contoso", &sealed[1]).await.as_deref(),
        Ok(SECOND),
        "the current client secret stays usable"
    );
    // The engine still works with the new secret.
    app.admin
        .query(Operation::UsersList, &json!({ "connection": "contoso" }))
        .await
        .expect("users.list with the rotated secret");

    app.admin
        .command(Operation::ConnectionDelete, &json!({ "name": "contoso" }))
        .await
        .expect("connection.delete");
    for (i, s) in sealed_client_secrets(&app, "contoso")
        .await
        .iter()
        .enumerate()
    {
        let got = recover(&app, "contoso", s).await;
        assert!(
            got.is_err(),
            "client secret #{i} of a deleted connection is recoverable"
        );
    }
    app.stop().await;
}

/// `leasehold serve` as a separate process, configured through the environment.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The line of `/proc/<pid>/limits` about core files, if readable.
fn core_limit(pid: u32) -> Option<String> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .map(str::to_string)
}

/// The owner of `/proc/<pid>/status`: the kernel gives a non-dumpable process's
/// entries to root, so another process of its user can no longer read its memory or
/// environment, or attach to it.
fn proc_owner(pid: u32) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}/status"))
        .ok()
        .map(|m| m.uid())
}

/// Whether a process running as `uid` can read `/proc/<pid>/environ`, where the
/// engine's master key (`LEASEHOLD_MASTER_KEY`) is.
fn environ_readable_as(uid: u32, pid: u32) -> bool {
    use std::os::unix::process::CommandExt;
    let path = format!("/proc/{pid}/environ");
    if real_uid() != uid {
        return std::process::Command::new("head")
            .args(["-c", "1", &path])
            .uid(uid)
            .gid(uid)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    }
    std::fs::read(&path).is_ok()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn serve_cannot_dump_core_nor_be_read_by_its_own_user() {
    use std::os::unix::process::CommandExt;

    let server = NatsServer::start().await;
    let db = leasehold_store::testing::TestDb::new().await;
    // Run the engine as an unprivileged user, so that "owned by root" means something
    // even when the tests run as root.
    let me = real_uid();
    let runs_as = if me == 0 { 65534 } else { me };
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_leasehold"));
    command
        .arg("serve")
        .env_clear()
        .env("LEASEHOLD_DATABASE_URL", &db.url)
        .envs(server.engine_env())
        .env("LEASEHOLD_MASTER_KEY", MasterKey::generate().to_base64())
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if me == 0 {
        command.uid(runs_as).gid(runs_as);
    }
    let serve = Serve(command.spawn().expect("start leasehold serve"));
    let pid = serve.0.id();

    let mut poll = Poll::new(Duration::from_secs(20), Duration::from_millis(20));
    let (limit, owner) = loop {
        let limit = core_limit(pid);
        let owner = proc_owner(pid);
        let hardened = limit
            .as_deref()
            .is_some_and(|l| l.split_whitespace().skip(4).take(2).all(|n| n == "0"))
            && owner == Some(0);
        if hardened || !poll.again().await {
            break (limit, owner);
        }
    };
    assert!(
        limit
            .as_deref()
            .is_some_and(|l| l.split_whitespace().skip(4).take(2).all(|n| n == "0")),
        "core files are still allowed: {limit:?}"
    );
    assert_eq!(
        owner,
        Some(0),
        "the engine (running as uid {runs_as}) is still dumpable: its /proc entries belong to uid {owner:?}"
    );
    // The attack itself: another process of the engine's user reads its environment.
    assert!(
        !environ_readable_as(runs_as, pid),
        "a process of uid {runs_as} reads the engine's environment (and its master key)"
    );
    // ... of an engine that is up, serving on the shipped server (not one that quit).
    let admin = ApiClient::connect_as(
        &server.url("admin"),
        Subjects::new(nats_server::SUBJECT_PREFIX).expect("prefix"),
        "admin",
    )
    .await
    .expect("admin logs in")
    .with_timeout(Duration::from_secs(2));
    let mut poll = Poll::new(Duration::from_secs(60), Duration::from_millis(100));
    loop {
        match admin.query(Operation::LeaseList, &json!({})).await {
            Ok(_) | Err(ApiError::Refused { .. }) => break,
            Err(e) => assert!(poll.again().await, "serve never answered: {e}"),
        }
    }
    drop(serve);
}

/// This process's real user id, read from `/proc/self/status` (no `unsafe` needed).
fn real_uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|u| u.parse().ok())
        .expect("Uid line")
}
