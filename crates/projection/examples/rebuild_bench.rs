//! Prints how fast `rebuild` re-applies the event store.
//!
//! Records one real lease lifecycle through the command side, copies its lease events
//! under fresh lease ids until the store holds about `LEASEHOLD_BENCH_EVENTS` events
//! (default 100 000), then times `rebuild`. Uses a fresh test database
//! (`LEASEHOLD_TEST_DATABASE_URL`, default the local Postgres).
//!
//! `cargo run --release -p leasehold-projection --example rebuild_bench`
//! (set `LEASEHOLD_BENCH_KEEP=1` to keep the database for inspection).

use std::time::Instant;

use chrono::{Duration, Utc};
use leasehold_command::{Commands, Meta, NewConnection, NewSecret};
use leasehold_crypto::MasterKey;
use leasehold_domain::{
    Actor, Cloud, ConnectionName, EntraObjectId, RevocationReason, SecretName, Ttl,
    UserPrincipalName,
};
use leasehold_store::testing::TestDb;
use leasehold_store::KeyStore;
use secrecy::SecretString;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let target: i64 = std::env::var("LEASEHOLD_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let db = TestDb::new().await;
    let commands = Commands::new(
        db.pool.clone(),
        KeyStore::new(db.pool.clone(), MasterKey::generate()),
    );
    one_lifecycle(&commands).await?;

    let per_lease: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'Lease'")
            .fetch_one(&db.pool)
            .await?;
    let copies = (target / per_lease.max(1)).max(1);
    let started = Instant::now();
    // A copy keeps the v7 prefix of the original id and numbers the last 12 hex digits.
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type,
                             event_version, payload, metadata)
         SELECT e.aggregate_type, n.id, e.sequence, e.event_type, e.event_version,
                replace(e.payload::text, e.aggregate_id, n.id)::json, e.metadata
           FROM generate_series(1, $1) g
          CROSS JOIN (SELECT * FROM events WHERE aggregate_type = 'Lease') e
          CROSS JOIN LATERAL (SELECT substr(e.aggregate_id, 1, 24)
                                     || lpad(to_hex(g), 12, '0') AS id) n
          ORDER BY g, e.sequence",
    )
    .bind(copies)
    .execute(&db.pool)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await?;
    println!("seeded {total} events in {:.1?}", started.elapsed());

    let started = Instant::now();
    let applied = leasehold_projection::rebuild(&db.pool).await?;
    let secs = started.elapsed().as_secs_f64();
    let leases: i64 = sqlx::query_scalar("SELECT count(*) FROM leases")
        .fetch_one(&db.pool)
        .await?;
    println!(
        "rebuild: {applied} events in {secs:.2} s = {:.0} events/s ({leases} leases)",
        applied as f64 / secs
    );
    if std::env::var_os("LEASEHOLD_BENCH_KEEP").is_some() {
        println!("kept database {}", db.url);
        std::mem::forget(db); // skips the drop that would delete the database
    }
    Ok(())
}

async fn one_lifecycle(commands: &Commands) -> anyhow::Result<()> {
    let t0 = Utc::now();
    let m = |minutes: i64| {
        Meta::new(
            Actor::parse("bench").expect("actor"),
            t0 + Duration::minutes(minutes),
        )
    };
    commands
        .create_connection(
            NewConnection {
                name: ConnectionName::parse("contoso")?,
                tenant_id: "11111111-1111-1111-1111-111111111111".into(),
                client_id: "22222222-2222-2222-2222-222222222222".into(),
                client_secret: SecretString::from("bench-secret".to_string()),
                cloud: Cloud::Global,
            },
            &m(0),
        )
        .await?;
    let secret = SecretName::parse("bench-alice")?;
    commands
        .create_secret(
            NewSecret {
                name: secret.clone(),
                connection: ConnectionName::parse("contoso")?,
                user_object_id: EntraObjectId::parse("6f1d2c3b-1111-4a5b-9c8d-0123456789ab")?,
                user_principal_name: UserPrincipalName::parse("alice@contoso.onmicrosoft.com")?,
                display_name: "Alice".into(),
                default_ttl: Ttl::from_secs(3600)?,
                max_ttl: Ttl::from_secs(86400)?,
                credential_kind: leasehold_domain::CredentialKind::Password,
                tap_bounds: None,
            },
            &m(0),
        )
        .await?;
    let lease = commands.request_lease(&secret, None, &m(1)).await?;
    let id = lease
        .state
        .terms()
        .expect("a requested lease has terms")
        .lease_id;
    let password = SecretString::from("Bench-P4ssword!".to_string());
    commands.activate_lease(&id, &password, &m(2)).await?;
    commands.renew_lease(&id, None, &m(3)).await?;
    commands
        .revoke_lease(&id, RevocationReason::Manual, false, &m(4))
        .await?;
    commands.confirm_revocation(&id, false, &m(5)).await?;
    Ok(())
}
