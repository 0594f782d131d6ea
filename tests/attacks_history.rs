//! Attacks on history: whoever can write the database (the engine's own role, a stolen
//! backup restored with edits, an operator covering tracks) tries to decide an
//! aggregate's state through `snapshots`, or to erase or truncate what happened.
//! Real Postgres, the engine under its own identities on a nats-server running the
//! shipped `deploy/nats/leasehold.conf`, the emulator; the CLI binary for `audit`, as
//! `admin`.

#[path = "attacks/history/mod.rs"]
mod attacks_sql;
mod cli_support;
mod helpers;
mod nats_server;

use std::path::{Path, PathBuf};
use std::time::Duration;

use attacks_sql::{erase_lease, object_id, plant_snapshot, truncate_lease};
use cli_support::{ok, stderr, stdout, Cli};
use entra_emulator::EmulatorConfig;
use helpers::{lease_create, lease_id_of, password_of, status_is, TestApp};
use leasehold::app::Components;
use leasehold::signin::SignIn;
use leasehold_api::Operation;
use leasehold_command::Policy;
use leasehold_crypto::MasterKey;
use nats_server::NatsServer;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);
const BOB: &str = "bob@contoso.onmicrosoft.com";
const CAROL: &str = "carol@contoso.onmicrosoft.com";

/// A server running the shipped configuration and the engine on it, every actor
/// allowed everything.
async fn spawn() -> (NatsServer, TestApp) {
    let server = NatsServer::start().await;
    let app = TestApp::spawn_secured(
        &server,
        EmulatorConfig::default(),
        Components::ALL,
        Policy::allow_all(),
    )
    .await;
    (server, app)
}

/// A lease on `secret` as `actor`: its id and password.
async fn lease(app: &TestApp, actor: &str, secret: &str) -> (String, String) {
    let reply = lease_create(&app.client(actor), secret, Some("30m")).await;
    (lease_id_of(&reply), password_of(&reply))
}

/// Leases `secret` and revokes the lease, waiting until the revocation is confirmed and
/// the secret's slot released.
async fn lease_cycle(app: &TestApp, secret: &str) -> String {
    let (id, _) = lease(app, "alice", secret).await;
    app.client("alice")
        .command(Operation::LeaseRevoke, &json!({ "lease_id": id }))
        .await
        .expect("revoke");
    app.wait_lease(&id, WAIT, status_is("revoked")).await;
    id
}

/// `audit.verify` until it is clean (read models catch up asynchronously).
async fn verify_clean(app: &TestApp) {
    let mut poll = leasehold_testkit::Poll::new(WAIT, Duration::from_millis(100));
    loop {
        let report = app
            .admin
            .query(Operation::AuditVerify, &json!({}))
            .await
            .expect("verify");
        if report["ok"] == true {
            return;
        }
        assert!(poll.again().await, "verify never came clean: {report}");
    }
}

fn problems_of(report: &Value, kind: &str) -> Vec<Value> {
    report["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["kind"] == kind)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_forged_snapshot_cannot_redirect_a_lease_to_another_user() {
    let (_server, app) = spawn().await;
    app.connect().await;
    app.secrets("ops", &["bob", "carol"], "1h", "2h").await;
    let pool = &app.db.pool;
    let bob = object_id(pool, "ops-bob").await;
    let carol = object_id(pool, "ops-carol").await;

    // ops-bob's state as the snapshot format stores it, with carol's object id in it.
    let state = app
        .engine
        .commands
        .secrets
        .load(&"ops-bob".parse().expect("secret name"))
        .await
        .expect("state");
    let genuine = serde_json::to_string(&state).expect("json");
    assert!(genuine.contains(&bob), "{genuine}");
    let forged = genuine.replace(&bob, &carol);
    plant_snapshot(pool, "ops-bob", &forged).await;

    // alice asks for bob's password, as she is allowed to.
    let (id, password) = lease(&app, "alice", "ops-bob").await;
    assert_eq!(
        app.sign_in(CAROL, &password).await,
        SignIn::Refused {
            error: "invalid_grant".into(),
            code: Some(50126)
        },
        "the lease on ops-bob set carol's password"
    );
    assert_eq!(app.sign_in(BOB, &password).await, SignIn::Accepted);
    let held: String = sqlx::query_scalar(
        "SELECT payload -> 'LeaseRequested' ->> 'user_object_id' FROM events
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence = 1",
    )
    .bind(&id)
    .fetch_one(pool)
    .await
    .expect("lease");
    assert_eq!(held, bob);

    // And the forgery shows up in verify.
    let report = app
        .admin
        .query(Operation::AuditVerify, &json!({}))
        .await
        .expect("verify");
    assert_eq!(report["ok"], false, "{report}");
    let forged = problems_of(&report, "forged_snapshot");
    assert!(
        forged.iter().any(|p| p["aggregate_id"] == "ops-bob"),
        "{report}"
    );
    app.stop().await;
}

/// An audit key file (0600) in a fresh directory.
fn audit_key(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).expect("dir");
    let path = dir.join("audit.key");
    let bytes: [u8; 32] = rand_bytes();
    let text = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
    std::fs::write(&path, text).expect("write key");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

fn rand_bytes() -> [u8; 32] {
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(16) {
        chunk.copy_from_slice(&uuid::Uuid::new_v4().into_bytes());
    }
    out
}

fn temp_dir() -> PathBuf {
    std::env::temp_dir().join(format!("lh-history-{}", uuid::Uuid::new_v4().simple()))
}

/// Takes a checkpoint with the CLI after a quiet, clean history of two leases; returns
/// the CLI, key file, checkpoint file and the first lease.
async fn anchored(app: &TestApp, dir: &Path) -> (Cli, PathBuf, PathBuf, String) {
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    let first = lease_cycle(app, "ops-alice").await;
    lease_cycle(app, "ops-alice").await;
    verify_clean(app).await;
    let key = audit_key(dir);
    let checkpoint = dir.join("checkpoint.json");
    // The shipped configuration's actors are admin, alice and bob.
    let auditor = Cli::new(app, "admin");
    let key_arg = key.to_str().expect("utf-8 path");
    let out = ok(&auditor
        .run(&[
            "audit",
            "anchor",
            "--key-file",
            key_arg,
            "--output",
            checkpoint.to_str().expect("utf-8 path"),
        ])
        .await);
    let printed: Value = serde_json::from_str(&out).expect("checkpoint JSON");
    assert!(
        printed["position"].as_i64().unwrap_or_default() > 0,
        "{printed}"
    );
    // Intact history verifies against it.
    let clean = auditor
        .run(&[
            "audit",
            "verify",
            "--against",
            checkpoint.to_str().expect("utf-8 path"),
            "--key-file",
            key_arg,
        ])
        .await;
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}{}",
        stdout(&clean),
        stderr(&clean)
    );
    (auditor, key, checkpoint, first)
}

async fn verify_against(auditor: &Cli, key: &Path, checkpoint: &Path) -> std::process::Output {
    auditor
        .run(&[
            "--json",
            "audit",
            "verify",
            "--against",
            checkpoint.to_str().expect("utf-8 path"),
            "--key-file",
            key.to_str().expect("utf-8 path"),
        ])
        .await
}

#[tokio::test]
async fn an_erased_lease_is_detected_against_a_checkpoint() {
    let (_server, app) = spawn().await;
    let dir = temp_dir();
    let (auditor, key, checkpoint, first) = anchored(&app, &dir).await;

    erase_lease(&app.db.pool, &first).await;

    let out = verify_against(&auditor, &key, &checkpoint).await;
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(5), "{text}");
    let report: Value = serde_json::from_str(&stdout(&out)).expect("report");
    let mismatch = problems_of(&report, "checkpoint_mismatch");
    assert_eq!(mismatch.len(), 1, "{report}");
    assert!(
        mismatch[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("erased"),
        "{report}"
    );
    std::fs::remove_dir_all(&dir).ok();
    app.stop().await;
}

#[tokio::test]
async fn a_truncated_lease_is_detected_against_a_checkpoint() {
    let (_server, app) = spawn().await;
    let dir = temp_dir();
    let (auditor, key, checkpoint, first) = anchored(&app, &dir).await;

    // "Revoked" never happened: the lease's last two events go, its head is patched.
    truncate_lease(&app.db.pool, &first, 2).await;

    let out = verify_against(&auditor, &key, &checkpoint).await;
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(5), "{text}");
    let report: Value = serde_json::from_str(&stdout(&out)).expect("report");
    let mismatch = problems_of(&report, "checkpoint_mismatch");
    assert_eq!(mismatch.len(), 1, "{report}");
    assert!(
        mismatch[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("truncated"),
        "{report}"
    );
    std::fs::remove_dir_all(&dir).ok();
    app.stop().await;
}

#[tokio::test]
async fn an_altered_checkpoint_is_refused() {
    let (_server, app) = spawn().await;
    let dir = temp_dir();
    let (auditor, key, checkpoint, _) = anchored(&app, &dir).await;
    let text = std::fs::read_to_string(&checkpoint).expect("checkpoint");
    let mut altered: Value = serde_json::from_str(&text).expect("json");
    altered["position"] = json!(1);
    std::fs::write(&checkpoint, altered.to_string()).expect("write");
    let out = verify_against(&auditor, &key, &checkpoint).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("signature"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).ok();
    app.stop().await;
}

/// The documented role SQL (deploy/postgres/roles.sql) for roles named `engine` and
/// `auditor`, run as the database owner.
async fn create_roles(admin_url: &str, engine: &str, auditor: &str) {
    let sql = include_str!("../deploy/postgres/roles.sql")
        .replace("leasehold_engine", engine)
        .replace("leasehold_auditor", auditor);
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(admin_url)
        .await
        .expect("connect as owner");
    sqlx::raw_sql(&format!("BEGIN;\n{sql}\nCOMMIT;"))
        .execute(&mut conn)
        .await
        .expect("roles.sql");
}

/// `postgres://postgres@host/db` with another user.
fn as_user(url: &str, user: &str) -> String {
    url.replacen("postgres://postgres@", &format!("postgres://{user}@"), 1)
}

#[tokio::test]
async fn the_engine_runs_as_the_least_privilege_role_and_cannot_write_the_chain() {
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..12];
    let engine_role = format!("lh_engine_{suffix}");
    let auditor_role = format!("lh_auditor_{suffix}");
    let (role, auditor) = (engine_role.clone(), auditor_role.clone());
    let engine_user = engine_role.clone();
    let server = NatsServer::start().await;
    let app = TestApp::spawn_secured_custom(
        &server,
        EmulatorConfig::default(),
        Components::ALL,
        Policy::allow_all(),
        MasterKey::generate(),
        move |config| {
            // The schema is migrated by the owner; the engine connects as its own role.
            let owner_url = config.database_url.clone();
            let setup = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(create_roles(&owner_url, &role, &auditor));
            });
            setup.join().expect("create roles");
            config.database_url = as_user(&config.database_url, &engine_user);
        },
    )
    .await;
    let engine_url = app.engine.config.database_url.clone();
    assert!(engine_url.contains("lh_engine_"), "{engine_url}");

    // A whole lease cycle works.
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    let id = lease_cycle(&app, "ops-alice").await;
    verify_clean(&app).await;
    let logged: i64 = sqlx::query_scalar("SELECT count(*) FROM event_log WHERE aggregate_id = $1")
        .bind(&id)
        .fetch_one(&app.db.pool)
        .await
        .expect("log");
    assert_eq!(logged, 4, "every lease event is in the global log");

    // The engine's own role cannot rewrite history or the chain.
    let engine = leasehold_store::connect(&engine_url, 1)
        .await
        .expect("engine role");
    for sql in [
        "UPDATE chain_heads SET last_sequence = 1",
        "DELETE FROM chain_heads",
        "DELETE FROM event_log",
        "UPDATE event_log SET running_hash = '\\x00'",
        "INSERT INTO event_log (position, global_position, aggregate_type, aggregate_id, sequence, event_hash, running_hash) VALUES (1000, 1000, 'Lease', 'x', 1, '\\x00', '\\x00')",
        "UPDATE event_log_head SET position = 1",
        "DELETE FROM events",
        "UPDATE events SET payload = '{}'",
        "TRUNCATE events CASCADE",
        "DELETE FROM snapshot_rejections",
    ] {
        let err = sqlx::query(sql)
            .execute(&engine)
            .await
            .expect_err(sql)
            .to_string();
        assert!(err.contains("permission denied"), "{sql}: {err}");
    }
    engine.close().await;

    app.stop().await;
    // The roles' grants lived in the test database, dropped with it: the roles can go.
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(
        leasehold_store::testing::DEFAULT_TEST_DATABASE_URL,
    )
    .await
    .expect("admin");
    for role in [&engine_role, &auditor_role] {
        sqlx::query(&format!("DROP ROLE IF EXISTS {role}"))
            .execute(&mut admin)
            .await
            .expect("drop role");
    }
}
