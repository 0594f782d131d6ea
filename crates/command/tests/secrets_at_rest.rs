//! No secret is stored in clear anywhere in the database, and destroying a lease's data
//! key makes its sealed password unrecoverable.

mod helpers;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use helpers::{meta, t0, world, CLIENT_SECRET, PASSWORD};
use leasehold_domain::LeaseStatus;
use leasehold_testkit::lifecycle::{self, Step};
use secrecy::ExposeSecret;

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Every table of the public schema, each row as text.
async fn dump(pool: &sqlx::PgPool) -> String {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    assert!(
        tables.len() >= 4,
        "events, snapshots, outbox, data_keys at least"
    );
    let mut text = String::new();
    for t in tables {
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM \"{t}\" t"))
            .fetch_all(pool)
            .await
            .expect("dump");
        text.push_str(&rows.join("\n"));
        // bytea columns print as \x<hex>; keep them in the dump as they are.
    }
    text
}

fn forms(secret: &str) -> Vec<String> {
    vec![
        secret.to_string(),
        STANDARD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        hex(secret),
    ]
}

#[tokio::test]
async fn no_secret_in_any_table_and_shredding_destroys_the_password() {
    let w = world().await;
    let m = meta("alice", t0());
    let id = lifecycle::request(&w, &m).await;
    let active = lifecycle::perform(&w, &id, Step::Activate, &m).await;
    assert_eq!(active.state.status(), Some(LeaseStatus::Active));

    let (_, opened) = w.commands.lease_credential(&id).await.expect("credential");
    assert_eq!(opened.expose_secret(), PASSWORD);

    let text = dump(&w.db.pool).await;
    assert!(
        text.contains("LeaseActivated"),
        "the dump covers the events"
    );
    for secret in [CLIENT_SECRET, PASSWORD] {
        for form in forms(secret) {
            assert!(
                !text.contains(&form),
                "found a form of a secret in the database"
            );
        }
    }

    lifecycle::perform(&w, &id, Step::ForceRevoke, &m).await;
    // The sealed password is still in the event log …
    let sealed: serde_json::Value =
        sqlx::query_scalar("SELECT payload::jsonb FROM events WHERE event_type = 'LeaseActivated'")
            .fetch_one(&w.db.pool)
            .await
            .expect("event");
    let sealed: leasehold_domain::Sealed =
        serde_json::from_value(sealed["LeaseActivated"]["credential"].clone()).expect("sealed");
    // … but its key is gone, so nobody can open it.
    let gone = w.commands.keys().load(&sealed.key_id).await;
    assert!(gone.is_err(), "the data key was destroyed");
    let err = w.commands.lease_credential(&id).await.unwrap_err();
    assert_eq!(err.code, leasehold_api::ErrorCode::LeaseNotActive);
    let text = dump(&w.db.pool).await;
    for form in forms(PASSWORD) {
        assert!(!text.contains(&form));
    }
}

#[tokio::test]
async fn the_client_secret_opens_only_with_the_master_key() {
    let w = world().await;
    let name = leasehold_domain::ConnectionName::parse("contoso").expect("name");
    let (_, secret) = w.commands.connection_secret(&name).await.expect("open");
    assert_eq!(secret.expose_secret(), CLIENT_SECRET);
    // Another master key over the same database cannot unwrap the data key.
    let other =
        leasehold_store::KeyStore::new(w.db.pool.clone(), leasehold_crypto::MasterKey::generate());
    let conn = w
        .commands
        .connections
        .load(&"contoso".parse().expect("connection name"))
        .await
        .expect("load");
    let key_id = &conn.details().expect("details").client_secret.key_id;
    assert!(other.load(key_id).await.is_err());
}
