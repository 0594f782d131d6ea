//! `leasehold audit …`: replay who did what, and who held a working password when.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use clap::Subcommand;
use leasehold_api::{
    Anchor, ExportPage, ExportedEvent, HistoryEntry, HistoryPage, HolderAt, Operation, VerifyReport,
};
use leasehold_audit::{AuditKey, Checkpoint, CheckpointError, LogHead};
use leasehold_domain::LeaseId;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::context::{decode, Api};
use super::exit::CliError;
use super::output::{at, print_json, rfc3339, Table};

/// The event history, replayed.
#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Every event of a lease (by id) or a dynamic secret (by name), oldest first.
    History {
        /// Lease id or secret name.
        target: String,
    },
    /// Who held a working password for a user at a moment, and who asked for it.
    At {
        /// The Entra user's principal name, e.g. alice@contoso.com.
        #[arg(long, value_name = "UPN")]
        user: String,
        /// The moment: RFC 3339 (2026-11-24T14:03:00Z), `YYYY-MM-DD HH:MM[:SS]` (UTC),
        /// or `now`.
        #[arg(long, value_name = "TIME", value_parser = parse_when)]
        time: DateTime<Utc>,
    },
    /// Every event recorded between two times, as JSON lines (one event per line).
    Export {
        /// Start (inclusive), same forms as `audit at --time`.
        #[arg(long, value_name = "TIME", value_parser = parse_when)]
        from: DateTime<Utc>,
        /// End (exclusive), same forms as `audit at --time`.
        #[arg(long, value_name = "TIME", value_parser = parse_when)]
        to: DateTime<Utc>,
        /// Events fetched per request.
        #[arg(long, default_value_t = 500)]
        page_size: u32,
    },
    /// Check the event log: hash chains, the global log (erased or truncated history),
    /// snapshots, references between secrets and leases, read models. Exit code 5 when a
    /// problem is found.
    Verify {
        /// A checkpoint written by `audit anchor`: the history up to it must be intact.
        #[arg(long, value_name = "FILE")]
        against: Option<PathBuf>,
        /// The audit key that signed the checkpoint (base64, at least 32 bytes); default
        /// LEASEHOLD_AUDIT_KEY.
        #[arg(long, value_name = "FILE", requires = "against")]
        key_file: Option<PathBuf>,
    },
    /// Print a signed checkpoint of the event log (position, running hash, time) to keep
    /// outside the database; `audit verify --against FILE` compares with it later.
    Anchor {
        /// The audit key to sign with (base64, at least 32 bytes); default
        /// LEASEHOLD_AUDIT_KEY. Keep it away from the database and the engine.
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// Also write the checkpoint to FILE.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Parses the times `audit` accepts.
pub fn parse_when(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(Utc::now());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    Err(format!(
        "{s:?} is not a time; use RFC 3339 (2026-11-24T14:03:00Z), \
         `YYYY-MM-DD HH:MM[:SS]` in UTC, a date, or `now`"
    ))
}

/// Runs an `audit` subcommand.
pub async fn run(api: &Api, cmd: AuditCmd) -> Result<(), CliError> {
    match cmd {
        AuditCmd::History { target } => {
            let payload = match LeaseId::parse(&target) {
                Ok(id) => json!({ "lease_id": id.to_string() }),
                Err(_) => json!({ "secret": target }),
            };
            let mut items = Vec::new();
            pages::<HistoryPage>(api, Operation::AuditHistory, payload, |entry| {
                items.push(entry);
                Ok(())
            })
            .await?;
            if api.json {
                print_typed(&HistoryPage { items, next: None });
                return Ok(());
            }
            let mut table = Table::new(&["SEQ", "RECORDED", "ACTOR", "EVENT", "CHANGES"]);
            let now = Utc::now();
            for e in &items {
                table.row(vec![
                    e.sequence.to_string(),
                    at(e.recorded_at, now),
                    who(e),
                    e.event_type.clone(),
                    changes(&e.changes),
                ]);
            }
            table.print(&format!("no events for {target}"));
        }
        AuditCmd::At { user, time } => {
            let payload = json!({ "user": user, "time": rfc3339(time) });
            let reply: HolderAt = api.query_as(Operation::AuditAt, payload).await?;
            if api.json {
                print_typed(&reply);
                return Ok(());
            }
            match &reply.holder {
                None => println!(
                    "nobody held a working password for {user} at {}",
                    rfc3339(time)
                ),
                Some(h) => println!(
                    "at {} lease {} (secret {}) held a working password for {user}\n\
                     requested by {} (request id {})\nworking from {} to {}{}",
                    rfc3339(time),
                    h.lease_id,
                    h.secret,
                    h.requested_by,
                    h.request_id.as_deref().unwrap_or("-"),
                    rfc3339(h.valid_from),
                    h.valid_to
                        .map_or_else(|| "now (still live)".to_string(), rfc3339),
                    if h.forced {
                        " (closed by a forced revocation)"
                    } else {
                        ""
                    }
                ),
            }
        }
        AuditCmd::Export {
            from,
            to,
            page_size,
        } => export(api, from, to, page_size).await?,
        AuditCmd::Anchor { key_file, output } => anchor(api, key_file.as_deref(), output).await?,
        AuditCmd::Verify { against, key_file } => {
            let payload = match &against {
                Some(path) => {
                    let head = checkpoint_head(path, key_file.as_deref())?;
                    json!({ "against": head })
                }
                None => json!({}),
            };
            // Verify reads every event: allow it far longer than an ordinary request.
            let patience = std::time::Duration::from_secs(30 * 60);
            let reply = api
                .query_patiently(Operation::AuditVerify, payload, patience)
                .await?;
            let report: VerifyReport = decode(Operation::AuditVerify, reply)?;
            if api.json {
                print_typed(&report);
            } else {
                print_report(&report);
            }
            if !report.ok {
                return Err(CliError::problems(format!(
                    "the event log has {} problem(s); keep a copy of the database and see \
                     docs/operations.md before changing anything",
                    report.problems.len()
                )));
            }
        }
    }
    Ok(())
}

/// Signs where the log ends now and prints (and optionally writes) the checkpoint.
async fn anchor(
    api: &Api,
    key_file: Option<&Path>,
    output: Option<PathBuf>,
) -> Result<(), CliError> {
    let key = AuditKey::from_env_or_file(key_file).map_err(key_error)?;
    let anchor: Anchor = api.query_as(Operation::AuditAnchor, json!({})).await?;
    let checkpoint = Checkpoint::sign(&anchor.head(), anchor.at, &key);
    let text = serde_json::to_string_pretty(&checkpoint)
        .map_err(|e| CliError::failure(format!("the checkpoint does not serialize: {e}")))?;
    if let Some(path) = output {
        std::fs::write(&path, format!("{text}\n")).map_err(|e| {
            CliError::failure(format!(
                "cannot write the checkpoint to {}: {e}",
                path.display()
            ))
        })?;
    }
    println!("{text}");
    Ok(())
}

/// The head a checkpoint file records, after checking its signature.
fn checkpoint_head(path: &Path, key_file: Option<&Path>) -> Result<LogHead, CliError> {
    let key = AuditKey::from_env_or_file(key_file).map_err(key_error)?;
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read the checkpoint {}: {e}",
            path.display()
        ))
    })?;
    match Checkpoint::open(&text, &key) {
        Ok(checkpoint) => Ok(checkpoint.head()),
        // An altered checkpoint is evidence, not a typo.
        Err(e @ CheckpointError::BadSignature { .. }) => {
            Err(CliError::problems(format!("{}: {e}", path.display())))
        }
        Err(e) => Err(CliError::usage(format!("{}: {e}", path.display()))),
    }
}

fn key_error(e: CheckpointError) -> CliError {
    CliError::usage(e.to_string())
}

async fn export(
    api: &Api,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    page_size: u32,
) -> Result<(), CliError> {
    if from >= to {
        return Err(CliError::usage("--from must be earlier than --to"));
    }
    let payload = json!({ "from": rfc3339(from), "to": rfc3339(to), "limit": page_size });
    let mut out = std::io::stdout().lock();
    let written = pages::<ExportPage>(api, Operation::AuditExport, payload, |event| {
        let line = serde_json::to_string(&event).map_err(std::io::Error::other)?;
        writeln!(out, "{line}")
    })
    .await;
    match written {
        // The reader went away (`| head`): stop quietly, as Unix tools do.
        Err(e) if e.io_kind() == Some(std::io::ErrorKind::BrokenPipe) => Ok(()),
        other => other,
    }
}

/// A page of an audit query: its items and the `after` of the next page.
trait Paged: DeserializeOwned {
    /// One item of the page.
    type Item;
    /// The items, and `next`.
    fn split(self) -> (Vec<Self::Item>, Option<i64>);
}

impl Paged for HistoryPage {
    type Item = HistoryEntry;
    fn split(self) -> (Vec<HistoryEntry>, Option<i64>) {
        (self.items, self.next)
    }
}

impl Paged for ExportPage {
    type Item = ExportedEvent;
    fn split(self) -> (Vec<ExportedEvent>, Option<i64>) {
        (self.items, self.next)
    }
}

/// Calls `op` page after page (`after` = the previous `next`) until `next` is null,
/// handing each item to `each` (an output error stops it).
async fn pages<P: Paged>(
    api: &Api,
    op: Operation,
    payload: Value,
    mut each: impl FnMut(P::Item) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let mut after: Option<i64> = None;
    loop {
        let mut request = payload.clone();
        if let Some(a) = after {
            request["after"] = json!(a);
        }
        let (items, next) = api.query_as::<P>(op, request).await?.split();
        for item in items {
            each(item).map_err(CliError::io)?;
        }
        match next {
            None => return Ok(()),
            Some(next) if Some(next) == after => {
                return Err(CliError::failure(format!(
                    "{op} did not advance (the same `next` twice); this is a bug, please report it"
                )))
            }
            next => after = next,
        }
    }
}

/// A result as pretty JSON, as the engine sent it.
fn print_typed(result: &impl Serialize) {
    print_json(&serde_json::to_value(result).unwrap_or_default());
}

/// A verify report for people: what was checked, where the log ends, the problems.
fn print_report(report: &VerifyReport) {
    println!(
        "checked {} events of {} aggregates",
        report.events, report.aggregates
    );
    if let Some(log) = &report.log {
        let hash = log.running_hash.as_str();
        println!(
            "global log ends at position {} (running hash {})",
            log.position,
            hash.get(..16).unwrap_or(hash)
        );
    }
    if let Some(against) = &report.against {
        println!(
            "compared with the checkpoint at position {}",
            against.position
        );
    }
    let mut table = Table::new(&["AGGREGATE", "ID", "SEQ", "KIND", "PROBLEM"]);
    for p in &report.problems {
        let kind = serde_json::to_value(p.kind).unwrap_or_default();
        table.row(vec![
            p.aggregate_type.clone(),
            p.aggregate_id.clone(),
            p.sequence
                .map_or_else(|| "-".to_string(), |s| s.to_string()),
            kind.as_str().unwrap_or("-").to_string(),
            p.message.clone(),
        ]);
    }
    table.print("no problems found");
}

/// Who did it: the actor, and the delegate it asked through ("alice via http").
fn who(e: &HistoryEntry) -> String {
    let actor = e.actor.as_deref().unwrap_or("-");
    match &e.via {
        Some(via) => format!("{actor} via {via}"),
        None => actor.to_string(),
    }
}

/// An event's changes as `key=value` pairs, short enough for a table.
fn changes(v: &Value) -> String {
    let mut s = match v {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(" "),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    if s.chars().count() > 100 {
        s = s.chars().take(99).collect::<String>() + "…";
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_the_documented_forms() {
        let t = parse_when("2026-11-24T14:03:00Z").expect("rfc3339");
        assert_eq!(parse_when("2026-11-24 14:03").expect("short"), t);
        assert_eq!(parse_when("2026-11-24T16:03:00+02:00").expect("offset"), t);
        assert!(parse_when("now").is_ok());
        assert!(parse_when("yesterday").is_err());
    }

    #[test]
    fn an_event_made_through_a_delegate_names_both() {
        let entry = |via: Value| -> HistoryEntry {
            serde_json::from_value(json!({
                "sequence": 1, "event_type": "LeaseRequested",
                "recorded_at": "2026-11-24T14:03:00Z", "at": null, "actor": "alice",
                "via": via, "request_id": null, "changes": {}, "hash": null,
            }))
            .expect("entry")
        };
        assert_eq!(who(&entry(Value::Null)), "alice");
        assert_eq!(who(&entry(json!("http"))), "alice via http");
    }
}
