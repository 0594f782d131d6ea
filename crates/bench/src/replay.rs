//! The measurements of the replay benchmark and its table.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use leasehold::client::{ApiClient, ApiError};
use leasehold_api::Operation;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::seed::{clone_upn, Seeded};
use crate::serve::Startup;
use crate::stats::{ms, Latencies};
use crate::{Row, Verdict};

/// Everything measured.
#[derive(Debug)]
pub struct Figures {
    /// `serve` on an empty store (baseline).
    pub empty_startup: Option<Startup>,
    /// `serve` on the seeded store.
    pub startup: Option<Startup>,
    /// Events read per second without applying them (baseline).
    pub read_per_sec: f64,
    /// Rebuild events per second.
    pub rebuild_per_sec: f64,
    /// Rebuild seconds.
    pub rebuild_secs: f64,
    /// Rows in `leases` after the rebuild, and how many are active.
    pub leases: i64,
    /// Active rows in `leases`.
    pub active_leases: i64,
    /// `lease.list` round trips.
    pub list: Latencies,
    /// `audit.at` over NATS, or why it could not be measured.
    pub audit_nats: Result<Latencies, String>,
    /// The `audit at` SQL, direct.
    pub audit_sql: Latencies,
    /// `SELECT 1` on the same connection (baseline).
    pub select1: Latencies,
    /// VmRSS after the queries, KiB.
    pub rss_after_kib: u64,
    /// VmHWM (peak) after the queries, KiB.
    pub hwm_kib: u64,
}

impl Default for Figures {
    fn default() -> Self {
        Self {
            empty_startup: None,
            startup: None,
            read_per_sec: 0.0,
            rebuild_per_sec: 0.0,
            rebuild_secs: 0.0,
            leases: 0,
            active_leases: 0,
            list: Latencies::default(),
            audit_nats: Err("not run".into()),
            audit_sql: Latencies::default(),
            select1: Latencies::default(),
            rss_after_kib: 0,
            hwm_kib: 0,
        }
    }
}

/// Reads every event as `rebuild` does (10,000 per query, payload decoded) without
/// applying anything: the floor under the rebuild. Returns (events, seconds).
pub async fn read_all(pool: &PgPool) -> anyhow::Result<(u64, f64)> {
    let started = Instant::now();
    let (mut after, mut total) = (i64::MIN, 0u64);
    loop {
        let rows: Vec<(i64, String, String, i64, String, Value)> = sqlx::query_as(
            "SELECT global_position, aggregate_type, aggregate_id, sequence, event_type, payload
               FROM events WHERE global_position > $1 ORDER BY global_position LIMIT 10000",
        )
        .bind(after)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last() else {
            return Ok((total, started.elapsed().as_secs_f64()));
        };
        after = last.0;
        total += rows.len() as u64;
    }
}

/// `n` sequential `lease.list` round trips.
pub async fn round_trips(client: &ApiClient, n: usize) -> Latencies {
    let mut l = Latencies::default();
    for _ in 0..n {
        let t = Instant::now();
        if client
            .query(Operation::LeaseList, &json!({ "limit": 10 }))
            .await
            .is_ok()
        {
            l.push(t.elapsed());
        }
    }
    l
}

/// A cheap deterministic sequence (xorshift) for picking users and times.
struct Picks(u64);

impl Picks {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A clone's UPN and a time in the last 5 hours (its closed lease, its live one, or
    /// neither).
    fn ask(&mut self, clones: i64) -> (String, DateTime<Utc>) {
        let g = (self.next() % clones.max(1) as u64) as i64 + 1;
        let back = (self.next() % (5 * 3600)) as i64;
        (clone_upn(g), Utc::now() - chrono::Duration::seconds(back))
    }
}

/// `audit.at` over NATS, if the query service has it.
pub async fn audit_nats(client: &ApiClient, clones: i64, n: usize) -> Result<Latencies, String> {
    let mut picks = Picks(0x9E37_79B9_7F4A_7C15);
    let mut l = Latencies::default();
    for _ in 0..n {
        let (user, at) = picks.ask(clones);
        let t = Instant::now();
        match client
            .query(
                Operation::AuditAt,
                &json!({ "user": user, "time": at.to_rfc3339() }),
            )
            .await
        {
            Ok(_) => l.push(t.elapsed()),
            Err(ApiError::Refused { code, message, .. }) => {
                return Err(format!(
                    "{code}: {}",
                    message.chars().take(120).collect::<String>()
                ))
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(l)
}

/// The `audit at` query of `crates/audit/src/holder.rs`, timed on one connection, and
/// `SELECT 1` on the same connection as its baseline.
pub async fn audit_sql(url: &str, clones: i64, n: usize) -> anyhow::Result<(Latencies, Latencies)> {
    let pool = leasehold_store::connect(url, 1).await?;
    let mut picks = Picks(0x2545_F491_4F6C_DD1D);
    let (mut audit, mut select1) = (Latencies::default(), Latencies::default());
    for _ in 0..n {
        let (user, at) = picks.ask(clones);
        let t = Instant::now();
        let _: Option<(String, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT lease_id, valid_to FROM lease_activity
              WHERE user_principal_name = $1 AND valid_from <= $2
              ORDER BY valid_from DESC LIMIT 1",
        )
        .bind(&user)
        .bind(at)
        .fetch_optional(&pool)
        .await?;
        audit.push(t.elapsed());
        let t = Instant::now();
        sqlx::query("SELECT 1").execute(&pool).await?;
        select1.push(t.elapsed());
    }
    pool.close().await;
    Ok((audit, select1))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

impl Figures {
    /// Table rows, raw figures and notes.
    pub fn report(&mut self, seeded: &Seeded, applied: u64) -> (Vec<Row>, Value, Vec<String>) {
        let s = self.startup.unwrap_or(Startup {
            ready: Duration::ZERO,
            rss_kib: 0,
        });
        let e = self.empty_startup.unwrap_or(Startup {
            ready: Duration::ZERO,
            rss_kib: 0,
        });
        let ready = s.ready.as_secs_f64();
        let peak = mib(self.hwm_kib.max(s.rss_kib));
        let sql_p99 = self.audit_sql.quantile(0.99);
        let mut rows = vec![
            Row::target(
                "projection rebuild",
                format!(
                    "{:.0} events/s ({applied} in {:.1} s)",
                    self.rebuild_per_sec, self.rebuild_secs
                ),
                format!("{:.0} events/s read only", self.read_per_sec),
                ">= 50000 events/s",
                Verdict::check(self.rebuild_per_sec >= 50_000.0, || {
                    format!("{:.0}% of target", self.rebuild_per_sec / 500.0)
                }),
            ),
            Row::target(
                "serve start → first answered lease.list",
                secs(s.ready),
                format!("{} on an empty store", secs(e.ready)),
                "<= 2 s",
                Verdict::check(ready <= 2.0, || format!("{ready:.2} s")),
            ),
            Row::target(
                "serve resident memory: at ready / after queries / peak",
                format!(
                    "{:.0} / {:.0} / {peak:.0} MiB",
                    mib(s.rss_kib),
                    mib(self.rss_after_kib)
                ),
                format!("{:.0} MiB on an empty store", mib(e.rss_kib)),
                "<= 150 MB",
                Verdict::check(peak * 1.048_576 <= 150.0, || format!("{peak:.0} MiB peak")),
            ),
        ];
        let sql_row = |target: bool, l: &mut Latencies, base: &mut Latencies| {
            let (metric, value, baseline) = (
                "audit at, its SQL direct (lease_activity) p50/p99/max",
                l.summary(),
                format!("SELECT 1: {}", base.summary()),
            );
            if target {
                Row::target(
                    metric,
                    value,
                    baseline,
                    "<= 50 ms",
                    Verdict::check(sql_p99 <= 50.0, || format!("p99 {} ms", ms(sql_p99))),
                )
            } else {
                Row::info(metric, value, baseline)
            }
        };
        match &mut self.audit_nats {
            Ok(l) => {
                let p99 = l.quantile(0.99);
                rows.push(Row::target(
                    "audit.at over NATS p50/p99/max",
                    l.summary(),
                    format!("{}: {}", Operation::LeaseList, self.list.summary()),
                    "<= 50 ms",
                    Verdict::check(p99 <= 50.0, || format!("p99 {} ms", ms(p99))),
                ));
                rows.push(sql_row(false, &mut self.audit_sql, &mut self.select1));
            }
            Err(why) => {
                rows.push(Row::info(
                    "audit.at over NATS",
                    format!("not measured ({why})"),
                    format!("{}: {}", Operation::LeaseList, self.list.summary()),
                ));
                rows.push(sql_row(true, &mut self.audit_sql, &mut self.select1));
            }
        }
        rows.push(Row::info(
            "read models after rebuild: leases / active",
            format!("{} / {}", self.leases, self.active_leases),
            format!("{} events seeded in {:.0} s", seeded.events, seeded.secs),
        ));
        let audit_nats = match &mut self.audit_nats {
            Ok(l) => l.to_json(),
            Err(why) => json!({ "error": why }),
        };
        let data = json!({
            "rebuild_events_per_sec": self.rebuild_per_sec, "rebuild_secs": self.rebuild_secs,
            "read_only_events_per_sec": self.read_per_sec,
            "ready_secs": ready, "empty_ready_secs": e.ready.as_secs_f64(),
            "rss_ready_mib": mib(s.rss_kib), "rss_after_mib": mib(self.rss_after_kib),
            "rss_peak_mib": peak, "empty_rss_mib": mib(e.rss_kib),
            "audit_sql": self.audit_sql.to_json(), "select1": self.select1.to_json(),
            "audit_nats": audit_nats, "lease_list": self.list.to_json(),
        });
        let notes = vec![
            "Seeding: one real history per shape is recorded through the command side and \
             cloned in SQL with user triggers off; lease_deadlines is filled for the live \
             leases, the outbox is left empty (what the relay sees of a fully published \
             one), hash-chain columns stay NULL and clones have no data keys."
                .into(),
            "Ready = spawn of `leasehold serve` → first `lease.list` answered ok (polled every \
             5 ms); it includes process start, connecting, migrations check, stream and \
             consumer set-up."
                .into(),
        ];
        (rows, data, notes)
    }
}
