//! Attacks on the NATS trust boundary, made as an outsider holding only a documented
//! identity would make them: against a nats-server running the shipped
//! `deploy/nats/leasehold.conf` (placeholder passwords replaced), real PostgreSQL and
//! the Entra emulator, with the engine under its least-privilege identities.

mod helpers;
mod nats_server;
#[path = "attacks/nats/serve.rs"]
mod serve;
#[path = "attacks/nats/tls.rs"]
mod tls;

use std::time::Duration;

use async_nats::jetstream;
use entra_emulator::{EmulatorConfig, DEMO_CLIENT_SECRET};
use futures::StreamExt;
use helpers::{lease_create, lease_id_of, set_up_tenant, start_emulator, TestApp};
use leasehold::app::SHUTDOWN_GRACE;
use leasehold::client::ApiClient;
use leasehold::Limits;
use leasehold_api::Operation;
use leasehold_api::Tree;
use leasehold_bus::{dropped_requests, Subjects};
use leasehold_crypto::MasterKey;
use leasehold_store::testing::TestDb;
use nats_server::{shipped_for, Login, NatsServer, ENGINE_USERS};
use serde_json::{json, Value};
use serve::Serve;

const STREAM: &str = "LEASEHOLD_EVENTS";

const POLICY_TOML: &str = r#"
[policy]
admins = ["admin"]

[[policy.rules]]
actors = ["alice", "bob"]
ops = ["lease.*", "secret.get", "secret.list"]
secrets = ["ops-*"]
"#;

/// The shipped server, the engine in-process under its five identities (the anonymous
/// check on, the default abuse limits on), and the admin's set-up done.
async fn shipped() -> (NatsServer, TestApp, Subjects, ApiClient) {
    let (server, app) = shipped_for(&["alice", "bob"], |c| {
        c.limits = Limits::default();
    })
    .await;
    let subjects = app.engine.subjects.clone();
    let admin = app.admin.clone();
    (server, app, subjects, admin)
}

async fn stream_messages(js: &jetstream::Context) -> u64 {
    let mut stream = js.get_stream(STREAM).await.expect("stream");
    stream.info().await.expect("info").state.messages
}

/// Polls `lease.get` as `api` until the lease has `status`.
async fn wait_status(api: &ApiClient, lease_id: &str, status: &str) -> Value {
    let mut poll = leasehold_testkit::Poll::new(Duration::from_secs(30), Duration::from_millis(50));
    loop {
        if let Ok(reply) = api
            .query(Operation::LeaseGet, &json!({ "lease_id": lease_id }))
            .await
        {
            if reply["lease"]["status"] == status {
                return reply;
            }
        }
        assert!(poll.again().await, "lease {lease_id} never became {status}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_aimed_anywhere_but_the_requesters_inbox_are_dropped() {
    let (server, app, subjects, admin) = shipped().await;
    let alice = Login::connect(&server, "alice").await;
    let alice_api = ApiClient::new(alice.client.clone(), subjects.clone(), "alice");
    let lease = lease_create(&alice_api, "ops-alice", Some("10m")).await;
    let lease_id = lease_id_of(&lease);
    wait_status(&alice_api, &lease_id, "active").await;

    let observer = server.observer().await;
    let js = jetstream::new(observer.clone());
    let before = stream_messages(&js).await;
    assert!(before > 0, "the stream holds the set-up's events");

    let forged_event = subjects.event("Lease", &lease_id, "LeaseRevoked");
    let hostile = [
        format!("$JS.API.STREAM.PURGE.{STREAM}"),
        format!("$JS.API.STREAM.DELETE.{STREAM}"),
        subjects.command("admin", "lease.revoke"),
        forged_event.clone(),
        "_INBOX_bob.x".to_string(),
        "_INBOX.x".to_string(),
    ];
    // Whatever reaches another actor's subjects, inboxes or the stream API.
    let mut watched = Vec::new();
    for subject in hostile.iter().cloned().chain([
        "leasehold.cmd.admin.>".to_string(),
        "leasehold.query.admin.>".to_string(),
        "leasehold.cmd.bob.>".to_string(),
        "leasehold.query.bob.>".to_string(),
        "_INBOX_bob.>".to_string(),
        "_INBOX_admin.>".to_string(),
    ]) {
        watched.push(observer.subscribe(subject).await.expect("observe"));
    }
    let mut seen = futures::stream::select_all(watched);
    observer.flush().await.expect("flush");

    // Valid, forbidden, invalid and (by their number) rate-limited requests.
    let dropped_before = dropped_requests(Tree::Command) + dropped_requests(Tree::Query);
    let requests: [(String, Value); 5] = [
        (subjects.query("alice", "lease.list"), json!({})),
        (
            subjects.query("alice", "secret.get"),
            json!({ "name": "other-x" }),
        ),
        (
            subjects.command("alice", "lease.create"),
            json!({ "secret": "ops-alice", "ttl": "5m" }),
        ),
        (
            subjects.command("alice", "connection.delete"),
            json!({ "name": "contoso" }),
        ),
        (
            subjects.command("alice", "lease.revoke"),
            json!("not an object"),
        ),
    ];
    for i in 0..1_000 {
        let (subject, body) = &requests[i % requests.len()];
        let reply = &hostile[i % hostile.len()];
        alice
            .client
            .publish_with_reply(subject.clone(), reply.clone(), body.to_string().into())
            .await
            .expect("alice may publish her own requests");
    }
    alice.client.flush().await.expect("flush");

    // Until every request is accounted for, or the attack shows.
    let dropped =
        || dropped_requests(Tree::Command) + dropped_requests(Tree::Query) - dropped_before;
    let mut poll = leasehold_testkit::Poll::new(Duration::from_secs(30), Duration::from_millis(20));
    let mut stray = None;
    while dropped() < 1_000 && stray.is_none() && stream_messages(&js).await == before {
        if let Ok(Some(message)) =
            tokio::time::timeout(Duration::from_millis(20), seen.next()).await
        {
            stray = Some(message.subject.to_string());
        }
        if !poll.again().await {
            break;
        }
    }
    assert_eq!(
        stream_messages(&js).await,
        before,
        "the event stream changed"
    );
    assert_eq!(
        stray, None,
        "the engine published on another actor's subject"
    );
    assert!(
        dropped() >= 1_000,
        "only {} of 1000 hostile requests were dropped",
        dropped()
    );

    // A proper request on alice's own inbox still works.
    let list = alice_api
        .query(Operation::LeaseList, &json!({}))
        .await
        .expect("alice's own request is answered");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(
        stream_messages(&js).await,
        before,
        "the event stream changed"
    );
    observer.flush().await.expect("flush");
    let stray = tokio::time::timeout(Duration::from_millis(500), seen.next()).await;
    if let Ok(Some(message)) = stray {
        panic!(
            "the engine published on {} after a hostile request",
            message.subject
        );
    }
    admin
        .query(Operation::SecretList, &json!({}))
        .await
        .expect("the admin is served, not rate-limited");
    let still = alice_api
        .query(Operation::LeaseGet, &json!({ "lease_id": lease_id }))
        .await
        .expect("lease.get");
    assert_eq!(still["lease"]["status"], "active", "{still}");

    app.stop().await;
    server.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn no_engine_identity_can_purge_or_delete_the_stream() {
    let (server, app, subjects, _admin) = shipped().await;
    let observer = server.observer().await;
    let js = jetstream::new(observer.clone());
    let before = stream_messages(&js).await;

    let destroy = [
        format!("$JS.API.STREAM.PURGE.{STREAM}"),
        format!("$JS.API.STREAM.DELETE.{STREAM}"),
        format!("$JS.API.STREAM.MSG.DELETE.{STREAM}"),
    ];
    for user in ENGINE_USERS {
        let mut login = Login::connect(&server, user).await;
        for subject in &destroy {
            login
                .client
                .publish(subject.clone(), "{}".into())
                .await
                .expect("queued");
            login.client.flush().await.expect("flush");
            login.expect_violation("Publish", subject).await;
        }
    }
    // The responders may not even publish an event or speak for an actor.
    for user in ["leasehold-command", "leasehold-query"] {
        let mut login = Login::connect(&server, user).await;
        for subject in [
            subjects.event("Lease", "forged", "LeaseRevoked"),
            subjects.command("admin", "lease.revoke"),
            "$JS.API.INFO".to_string(),
        ] {
            login
                .client
                .publish(subject.clone(), "{}".into())
                .await
                .expect("queued");
            login.client.flush().await.expect("flush");
            login.expect_violation("Publish", &subject).await;
        }
    }

    // The stream itself refuses a purge, even from an all-powerful user.
    let mut stream = js.get_stream(STREAM).await.expect("stream");
    let config = stream.info().await.expect("info").config.clone();
    assert!(config.deny_purge && config.deny_delete, "{config:?}");
    assert!(stream.purge().await.is_err(), "the stream allowed a purge");
    // The relay may still be publishing the set-up's last events: nothing was lost.
    assert!(stream_messages(&js).await >= before);

    app.stop().await;
    server.stop();
}

/// `leasehold serve` as a process against the shipped server: the relay logs in with
/// the credentials in LEASEHOLD_NATS_URL (the old single-URL way), the other components
/// with their own users from LEASEHOLD_NATS_<COMPONENT>_USER / _PASSWORD.
fn serve_shipped(server: &NatsServer, db: &TestDb, rust_log: &str) -> Serve {
    let mut env = vec![
        ("LEASEHOLD_DATABASE_URL", db.url.clone()),
        ("LEASEHOLD_NATS_URL", server.url("leasehold-relay")),
        ("LEASEHOLD_MASTER_KEY", MasterKey::generate().to_base64()),
    ];
    for (component, user) in [
        ("COMMAND", "leasehold-command"),
        ("QUERY", "leasehold-query"),
        ("WORKER", "leasehold-worker"),
        ("PROJECTION", "leasehold-projection"),
    ] {
        let user_var: &'static str =
            Box::leak(format!("LEASEHOLD_NATS_{component}_USER").into_boxed_str());
        let pass_var: &'static str =
            Box::leak(format!("LEASEHOLD_NATS_{component}_PASSWORD").into_boxed_str());
        env.push((user_var, user.to_string()));
        env.push((pass_var, server.password(user)));
    }
    Serve::spawn(
        &format!("subject_prefix = \"leasehold\"\n{POLICY_TOML}"),
        &env,
        rust_log,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn no_log_line_carries_a_secret_even_at_trace() {
    leasehold::tls::install_ring_provider();
    let server = NatsServer::start().await;
    let db = TestDb::new().await;
    let emulator = start_emulator(EmulatorConfig::default()).await;
    let mut serve = serve_shipped(&server, &db, "trace");
    assert!(
        serve
            .wait_for("leasehold serving", Duration::from_secs(60))
            .await,
        "serve did not start:\n{}",
        serve.log()
    );

    let subjects = Subjects::new("leasehold").expect("prefix");
    let admin = ApiClient::connect_as(&server.url("admin"), subjects.clone(), "admin")
        .await
        .expect("admin");
    set_up_tenant(&admin, &emulator, "ops", &["alice", "bob"], None).await;
    let alice = ApiClient::connect_as(&server.url("alice"), subjects, "alice")
        .await
        .expect("alice");
    let lease = lease_create(&alice, "ops-alice", Some("10m")).await;
    let lease_id = lease_id_of(&lease);
    let active = wait_status(&alice, &lease_id, "active").await;
    assert!(active["lease"].is_object());
    let with_secret = alice
        .query(
            Operation::LeaseGet,
            &json!({ "lease_id": lease_id, "credentials": true }),
        )
        .await
        .expect("credential");
    let password = with_secret["credential"]["password"]
        .as_str()
        .expect("leased password")
        .to_string();
    alice
        .command(Operation::LeaseRevoke, &json!({ "lease_id": lease_id }))
        .await
        .expect("revoke");
    wait_status(&alice, &lease_id, "revoked").await;
    serve.terminate();
    serve
        .exit_within(SHUTDOWN_GRACE)
        .await
        .expect("serve stopped");

    let log = serve.log();
    assert!(
        log.lines().filter(|l| l.contains("TRACE")).count() > 10,
        "the log was not captured at trace:\n{log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a log written to a pipe:\n{log}"
    );
    let mut secrets = vec![
        ("client secret", DEMO_CLIENT_SECRET.to_string()),
        ("leased password", password),
    ];
    for user in nats_server::USERS {
        secrets.push(("NATS password", server.password(user)));
    }
    for (what, secret) in secrets {
        if let Some(line) = log.lines().find(|l| l.contains(&secret)) {
            panic!("a log line carries the {what}: {line}");
        }
    }
    emulator.shutdown().await;
    server.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_serve_writes_less_than_a_line_per_second() {
    let server = NatsServer::start().await;
    let db = TestDb::new().await;
    let mut serve = serve_shipped(&server, &db, "info");
    assert!(
        serve
            .wait_for("leasehold serving", Duration::from_secs(60))
            .await,
        "serve did not start against the shipped configuration without insecure_nats:\n{}",
        serve.log()
    );
    let start = serve.log().lines().count();
    // Watch the log for a window: fail as soon as it holds a line a second's worth.
    let window = Duration::from_secs(5);
    let mut poll = leasehold_testkit::Poll::new(window, Duration::from_millis(100));
    loop {
        let log = serve.log();
        let written = log.lines().count() - start;
        assert!(
            (written as u64) < window.as_secs(),
            "an idle serve wrote {written} lines in under {window:?}:\n{log}"
        );
        if !poll.again().await {
            break;
        }
    }
    serve.terminate();
    serve
        .exit_within(SHUTDOWN_GRACE)
        .await
        .expect("serve stopped");
    server.stop();
}

/// `serve` against the shared development NATS (no authentication).
fn serve_plain(db: &TestDb, prefix: &str, insecure: bool) -> Serve {
    let mut env = vec![
        ("LEASEHOLD_DATABASE_URL", db.url.clone()),
        ("LEASEHOLD_NATS_URL", "nats://127.0.0.1:4222".to_string()),
        ("LEASEHOLD_SUBJECT_PREFIX", prefix.to_string()),
        ("LEASEHOLD_MASTER_KEY", MasterKey::generate().to_base64()),
    ];
    if insecure {
        env.push(("LEASEHOLD_INSECURE_NATS", "true".to_string()));
    }
    Serve::spawn(POLICY_TOML, &env, "info")
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_a_nats_that_lets_strangers_in() {
    let db = TestDb::new().await;
    let prefix = helpers::unique_prefix();
    let mut refused = serve_plain(&db, &prefix, false);
    let status = refused
        .exit_within(Duration::from_secs(60))
        .await
        .expect("serve gives up by itself");
    let log = refused.log();
    assert!(!status.success(), "serve ran on an open NATS:\n{log}");
    assert!(
        log.contains("refusing to serve") && log.contains("insecure_nats = true"),
        "the refusal does not say why or what to do:\n{log}"
    );
    assert!(!log.contains("leasehold serving"), "{log}");

    let mut allowed = serve_plain(&db, &prefix, true);
    assert!(
        allowed
            .wait_for("leasehold serving", Duration::from_secs(60))
            .await,
        "insecure_nats = true did not let serve run:\n{}",
        allowed.log()
    );
    assert!(allowed.log().contains("insecure_nats = true: not checking"));
    allowed.terminate();
    allowed.exit_within(SHUTDOWN_GRACE).await.expect("stopped");
    let js = jetstream::new(async_nats::connect("127.0.0.1:4222").await.expect("nats"));
    let _ = js
        .delete_stream(Subjects::new(&prefix).expect("prefix").stream_name())
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_after_the_stream_is_lost_ends_serve_within_the_grace() {
    leasehold::tls::install_ring_provider();
    let server = NatsServer::start().await;
    let db = TestDb::new().await;
    let emulator = start_emulator(EmulatorConfig::default()).await;
    let subjects = Subjects::new(nats_server::SUBJECT_PREFIX).expect("prefix");
    // A stream left by an older version, which allowed purges: serve hardens it. The
    // operator is the test server's user with every right.
    let js = jetstream::new(server.observer().await);
    js.create_stream(jetstream::stream::Config {
        name: subjects.stream_name(),
        subjects: vec![subjects.all_events()],
        ..Default::default()
    })
    .await
    .expect("an old stream");
    let mut serve = serve_shipped(&server, &db, "info");
    assert!(
        serve
            .wait_for("leasehold serving", Duration::from_secs(60))
            .await,
        "{}",
        serve.log()
    );
    let admin = ApiClient::connect_as(&server.url("admin"), subjects.clone(), "admin")
        .await
        .expect("admin");
    set_up_tenant(&admin, &emulator, "ops", &["alice", "bob"], None).await;
    let alice = ApiClient::connect_as(&server.url("alice"), subjects.clone(), "alice")
        .await
        .expect("alice");
    let lease = lease_create(&alice, "ops-alice", Some("10m")).await;
    let lease_id = lease_id_of(&lease);
    wait_status(&alice, &lease_id, "active").await;
    // A revocation in flight while the stream goes away.
    alice
        .command(Operation::LeaseRevoke, &json!({ "lease_id": lease_id }))
        .await
        .expect("revoke");

    // An operator with every right: the purge is refused, the stream can still be lost.
    let stream = js.get_stream(subjects.stream_name()).await.expect("stream");
    assert!(stream.purge().await.is_err(), "the stream allowed a purge");
    js.delete_stream(subjects.stream_name())
        .await
        .expect("delete the stream");
    // More work arrives after the loss.
    let _ = alice
        .with_timeout(Duration::from_secs(2))
        .command(
            Operation::LeaseCreate,
            &json!({ "secret": "ops-bob", "ttl": "10m" }),
        )
        .await;

    let sent = serve.terminate();
    let status = serve
        .exit_within(SHUTDOWN_GRACE + Duration::from_secs(10))
        .await;
    let took = sent.elapsed();
    let log = serve.log();
    let status = status.unwrap_or_else(|| panic!("serve ignored SIGTERM for {took:?}:\n{log}"));
    assert!(
        took < SHUTDOWN_GRACE && status.success(),
        "serve took {took:?} to stop ({status}):\n{log}"
    );
    emulator.shutdown().await;
    server.stop();
}

/// Connects once, without retrying, and proves the link with a round trip.
async fn connect_once(endpoint: &leasehold_bus::NatsEndpoint) -> Result<(), String> {
    let (options, servers) = endpoint
        .options("tls-test", false)
        .await
        .map_err(|e| e.to_string())?;
    let client = options.connect(servers).await.map_err(|e| e.to_string())?;
    tokio::time::timeout(Duration::from_secs(5), client.flush())
        .await
        .map_err(|_| "flush timed out".to_string())?
        .map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_engine_speaks_tls_with_its_ca_and_client_certificate_only() {
    leasehold::tls::install_ring_provider();
    let server = tls::TlsServer::start().await;
    let mut config = leasehold::Config {
        nats_url: format!("tls://engine:{}@127.0.0.1:{}", server.password, server.port),
        ..Default::default()
    };
    config.nats_tls = leasehold::config::TlsSettings {
        ca_file: Some(server.ca()),
        cert_file: Some(server.client_cert()),
        key_file: Some(server.client_key()),
        required: true,
    };
    let endpoint = config.nats_endpoint(leasehold::config::NatsRole::Relay);
    connect_once(&endpoint)
        .await
        .expect("TLS with the CA and a client certificate");

    // Someone on the path without a client certificate is refused...
    let mut no_cert = endpoint.clone();
    no_cert.tls.cert_file = None;
    no_cert.tls.key_file = None;
    assert!(
        connect_once(&no_cert).await.is_err(),
        "no client certificate"
    );
    // ...and a server whose certificate is not from the configured CA is not trusted.
    let mut no_ca = endpoint.clone();
    no_ca.tls.ca_file = None;
    assert!(
        connect_once(&no_ca).await.is_err(),
        "server trusted without its CA"
    );
    // A plain-text client gets nowhere either.
    let plain = leasehold_bus::NatsEndpoint::from_url(&format!(
        "nats://engine:{}@127.0.0.1:{}",
        server.password, server.port
    ));
    assert!(connect_once(&plain).await.is_err(), "plain text accepted");
}
