//! Bulk seeding of the replay benchmark: one real history per shape is recorded through
//! the command side (so every payload is exactly what the domain writes), then cloned in
//! SQL under fresh secret names, users and lease ids until the store holds the target.

use anyhow::{bail, Context};
use chrono::{Duration, Utc};
use leasehold_command::{Commands, Meta, NewConnection, NewSecret};
use leasehold_domain::{
    Actor, Cloud, ConnectionName, EntraObjectId, LeaseId, RevocationReason, SecretName, Ttl,
    UserPrincipalName,
};
use secrecy::SecretString;
use sqlx::PgPool;

/// The seeded store.
#[derive(Debug)]
pub struct Seeded {
    /// Events in the store.
    pub events: i64,
    /// Secrets with one closed lease before their live one.
    pub with_history: i64,
    /// Live (active) leases.
    pub active: i64,
    /// Seconds the bulk insert took.
    pub secs: f64,
}

/// One recorded template: a secret's name, user and leases, to be replaced per clone.
struct Template {
    kind: i32,
    secret: String,
    oid: String,
    upn: String,
    leases: Vec<String>,
}

/// The UPN of clone `g` (1-based).
pub fn clone_upn(g: i64) -> String {
    format!("u{g}@contoso.onmicrosoft.com")
}

async fn record(commands: &Commands, kind: i32) -> anyhow::Result<Template> {
    let t0 = Utc::now();
    let actor = Actor::parse("bench")?;
    let m = |minutes: i64| -> anyhow::Result<Meta> {
        Ok(Meta::new(actor.clone(), t0 + Duration::minutes(minutes)))
    };
    let name = format!("zztemplate{kind}");
    let oid = format!("eeeeeeee-0000-4000-8000-00000000000{kind}");
    let upn = format!("zzuser{kind}@contoso.onmicrosoft.com");
    let secret = SecretName::parse(&name)?;
    commands
        .create_secret(
            NewSecret {
                name: secret.clone(),
                connection: ConnectionName::parse("contoso")?,
                user_object_id: EntraObjectId::parse(&oid)?,
                user_principal_name: UserPrincipalName::parse(&upn)?,
                display_name: "Template User".into(),
                default_ttl: Ttl::from_secs(3600)?,
                max_ttl: Ttl::from_secs(86_400)?,
                credential_kind: leasehold_domain::CredentialKind::Password,
                tap_bounds: None,
            },
            &m(-300)?,
        )
        .await?;
    let password = SecretString::from("Bench-P4ssword!x".to_string());
    let mut leases = Vec::new();
    if kind == 1 {
        let id = lease_id(commands.request_lease(&secret, None, &m(-240)?).await?)?;
        commands.activate_lease(&id, &password, &m(-239)?).await?;
        commands.renew_lease(&id, None, &m(-200)?).await?;
        commands
            .revoke_lease(&id, RevocationReason::Expired, false, &m(-150)?)
            .await?;
        commands.confirm_revocation(&id, false, &m(-149)?).await?;
        leases.push(id.to_string());
    }
    let ttl = Some(Ttl::from_secs(86_400)?);
    let id = lease_id(commands.request_lease(&secret, ttl, &m(-30)?).await?)?;
    commands.activate_lease(&id, &password, &m(-29)?).await?;
    leases.push(id.to_string());
    Ok(Template {
        kind,
        secret: name,
        oid,
        upn,
        leases,
    })
}

fn lease_id(done: leasehold_command::Executed<leasehold_domain::Lease>) -> anyhow::Result<LeaseId> {
    Ok(done
        .state
        .terms()
        .context("a requested lease has terms")?
        .lease_id)
}

/// Seeds `active` secrets, each with a live lease, the first ones also with a closed
/// lease, so that the store holds about `target` events. User triggers on `events`
/// (outbox, deadlines, hash chain) are off during the bulk insert; `lease_deadlines` is
/// filled afterwards, the outbox left empty (the same as fully published to the relay).
pub async fn seed(
    pool: &PgPool,
    master: leasehold_crypto::MasterKey,
    target: i64,
    active: i64,
) -> anyhow::Result<Seeded> {
    let commands = Commands::new(
        pool.clone(),
        leasehold_store::KeyStore::new(pool.clone(), master),
    );
    let meta = Meta::new(Actor::parse("bench")?, Utc::now() - Duration::hours(6));
    commands
        .create_connection(
            NewConnection {
                name: ConnectionName::parse("contoso")?,
                tenant_id: "11111111-1111-1111-1111-111111111111".into(),
                client_id: "22222222-2222-2222-2222-222222222222".into(),
                client_secret: SecretString::from("bench-secret".to_string()),
                cloud: Cloud::Global,
            },
            &meta,
        )
        .await?;
    let templates = [record(&commands, 0).await?, record(&commands, 1).await?];
    let started = std::time::Instant::now();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "CREATE TEMP TABLE tmpl ON COMMIT DROP AS
           SELECT 0 AS kind, ''::text AS secret, ''::text AS oid, ''::text AS upn,
                  ''::text AS closed, ''::text AS live, e.*
             FROM events e WHERE false",
    )
    .execute(&mut *tx)
    .await?;
    let mut per_kind = [0i64; 2];
    for t in &templates {
        let (closed, live) = match t.leases.as_slice() {
            [live] => ("-none-".to_string(), live.clone()),
            [closed, live] => (closed.clone(), live.clone()),
            _ => bail!("unexpected template"),
        };
        let done = sqlx::query(
            "INSERT INTO tmpl SELECT $1, $2, $3, $4, $5, $6, e.* FROM events e
              WHERE e.aggregate_id = ANY($7)",
        )
        .bind(t.kind)
        .bind(&t.secret)
        .bind(&t.oid)
        .bind(&t.upn)
        .bind(&closed)
        .bind(&live)
        .bind(vec![t.secret.clone(), closed.clone(), live.clone()])
        .execute(&mut *tx)
        .await?;
        per_kind[t.kind as usize] = done.rows_affected() as i64;
    }
    let [e0, e1] = per_kind;
    let with_history = ((target - active * e0) / (e1 - e0).max(1)).clamp(0, active);
    sqlx::query("ALTER TABLE events DISABLE TRIGGER USER")
        .execute(&mut *tx)
        .await?;
    // Clone g gets secret s<g>, user eeeeeeee-…-<g hex>, UPN u<g>@…, and lease ids that
    // keep the template's first 24 characters and number the last 12 hex digits.
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type,
                             event_version, payload, metadata, recorded_at)
         SELECT t.aggregate_type, m.aggregate_id, t.sequence, t.event_type, t.event_version,
                m.payload::json, t.metadata, t.recorded_at
           FROM generate_series(1, $1::bigint) g
           JOIN tmpl t ON t.kind = CASE WHEN g <= $2 THEN 1 ELSE 0 END
          CROSS JOIN LATERAL (SELECT 's' || g AS secret,
                                     'eeeeeeee-0000-4000-8000-' || lpad(to_hex(g), 12, '0') AS oid,
                                     'u' || g || '@contoso.onmicrosoft.com' AS upn,
                                     substr(t.closed, 1, 24) || lpad(to_hex(g), 12, '0') AS closed,
                                     substr(t.live, 1, 24) || lpad(to_hex(g), 12, '0') AS live) n
          CROSS JOIN LATERAL (SELECT
                replace(replace(replace(replace(replace(t.payload::text, t.secret, n.secret),
                    t.oid, n.oid), t.upn, n.upn), t.closed, n.closed), t.live, n.live) AS payload,
                replace(replace(replace(t.aggregate_id, t.secret, n.secret),
                    t.closed, n.closed), t.live, n.live) AS aggregate_id) m
          ORDER BY g, t.global_position",
    )
    .bind(active)
    .bind(with_history)
    .execute(&mut *tx)
    .await
    .context("bulk insert")?;
    sqlx::query("ALTER TABLE events ENABLE TRIGGER USER")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO lease_deadlines (lease_id, expires_at)
         SELECT e.aggregate_id, (e.payload -> 'LeaseRequested' ->> 'expires_at')::timestamptz
           FROM events e JOIN (SELECT DISTINCT substr(live, 1, 24) AS p FROM tmpl) t
             ON e.aggregate_id LIKE t.p || '%'
          WHERE e.event_type = 'LeaseRequested'
         ON CONFLICT (lease_id) DO NOTHING",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await?;
    Ok(Seeded {
        events,
        with_history,
        active,
        secs: started.elapsed().as_secs_f64(),
    })
}
