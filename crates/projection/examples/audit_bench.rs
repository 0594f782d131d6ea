//! Prints how long the audit functions take on a large store: `audit.verify` (hash chains
//! plus read-model drift, streaming) and `audit.at` (who held a password when).
//!
//! Records one real lease lifecycle, copies its lease events under fresh lease ids and
//! 1000 different users until the store holds about `LEASEHOLD_BENCH_EVENTS` events
//! (default 1 000 000; the chain trigger hashes every copy), rebuilds the read models,
//! times `verify_store`, then spreads the activity intervals over time and times `at`.
//! Uses a fresh test database (`LEASEHOLD_TEST_DATABASE_URL`, default the local Postgres).
//!
//! `cargo run --release -p leasehold-projection --example audit_bench`

use std::time::{Duration as StdDuration, Instant};

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

const UPN: &str = "alice@contoso.onmicrosoft.com";
const USERS: i64 = 1000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let target: i64 = std::env::var("LEASEHOLD_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let db = TestDb::new().await;
    let pool = &db.pool;
    let commands = Commands::new(
        pool.clone(),
        KeyStore::new(pool.clone(), MasterKey::generate()),
    );
    one_lifecycle(&commands).await?;
    let (original, per_lease): (String, i64) = sqlx::query_as(
        "SELECT min(aggregate_id), count(*) FROM events WHERE aggregate_type = 'Lease'",
    )
    .fetch_one(pool)
    .await?;
    let copies = (target / per_lease.max(1)).max(1);
    let started = Instant::now();
    // Batches of 20 000 copies of the one original lease keep each statement small.
    for first in (1..=copies).step_by(20_000) {
        let last = (first + 19_999).min(copies);
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type,
                                 event_version, payload, metadata)
             SELECT e.aggregate_type, n.id, e.sequence, e.event_type, e.event_version,
                    replace(replace(e.payload::text, e.aggregate_id, n.id), $3,
                            'u' || (g % $4) || '@contoso.onmicrosoft.com')::json,
                    e.metadata
               FROM generate_series($1::bigint, $2::bigint) g
              CROSS JOIN (SELECT * FROM events
                           WHERE aggregate_type = 'Lease' AND aggregate_id = $5) e
              CROSS JOIN LATERAL (SELECT substr(e.aggregate_id, 1, 24)
                                         || lpad(to_hex(g), 12, '0') AS id) n
              ORDER BY g, e.sequence",
        )
        .bind(first)
        .bind(last)
        .bind(UPN)
        .bind(USERS)
        .bind(&original)
        .execute(pool)
        .await?;
    }
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await?;
    println!("seeded {total} hashed events in {:.1?}", started.elapsed());
    let started = Instant::now();
    leasehold_projection::rebuild(pool).await?;
    println!("rebuild: {:.1?}", started.elapsed());

    let started = Instant::now();
    let report = leasehold_projection::verify_store(pool).await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "verify: {} events of {} aggregates in {secs:.1} s = {:.0} events/s, ok = {}, \
         problems = {}, peak RSS {}",
        report.events,
        report.aggregates,
        report.events as f64 / secs,
        report.ok,
        report.problems.len(),
        peak_rss()
    );

    // Spread each user's intervals over distinct hours, as a real history would be.
    sqlx::query(
        "UPDATE lease_activity
            SET valid_from = valid_from + n * interval '2 hours',
                valid_to = valid_to + n * interval '2 hours'
           FROM (SELECT lease_id AS id, row_number() OVER (ORDER BY lease_id) AS n
                   FROM lease_activity) k
          WHERE lease_id = k.id",
    )
    .execute(pool)
    .await?;
    sqlx::query("ANALYZE lease_activity").execute(pool).await?;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM lease_activity")
        .fetch_one(pool)
        .await?;
    let base: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT min(valid_from) FROM lease_activity")
            .fetch_one(pool)
            .await?;
    let mut worst = StdDuration::ZERO;
    let mut sum = StdDuration::ZERO;
    let mut found = 0;
    let asks: i64 = 1000;
    for i in 0..asks {
        let user = UserPrincipalName::parse(&format!("u{}@contoso.onmicrosoft.com", i % USERS))?;
        // Half the lookups hit inside one of the user's intervals, half anywhere.
        let time = if i % 2 == 0 {
            let from: chrono::DateTime<Utc> = sqlx::query_scalar(
                "SELECT valid_from FROM lease_activity WHERE user_principal_name = $1
                  ORDER BY valid_from OFFSET $2 LIMIT 1",
            )
            .bind(user.as_str())
            .bind(i % 7)
            .fetch_one(pool)
            .await?;
            from + Duration::minutes(1)
        } else {
            base + Duration::minutes((i * 7919) % (copies * 120))
        };
        let started = Instant::now();
        found += usize::from(leasehold_audit::at(pool, &user, time).await?.is_some());
        let took = started.elapsed();
        worst = worst.max(took);
        sum += took;
    }
    println!(
        "at: {asks} lookups over {rows} intervals of {USERS} users: mean {:.2?}, max {worst:.2?} \
         ({found} found a holder)",
        sum / u32::try_from(asks).unwrap_or(1)
    );
    Ok(())
}

/// Peak resident memory of this process (Linux), for the streaming claim.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
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
                user_principal_name: UserPrincipalName::parse(UPN)?,
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
