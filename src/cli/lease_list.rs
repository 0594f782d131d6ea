//! `leasehold lease list`: newest first by default, ended leases with the time they
//! ended, and a next-page hint that repeats the filters and page size.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, ValueEnum};
use leasehold_api::{LeaseStatus, Operation};
use serde_json::{json, Value};

use super::context::Api;
use super::exit::CliError;
use super::output::{print_json, text, when, Table};

/// `lease list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only the leases of this secret.
    #[arg(long)]
    secret: Option<String>,
    /// Only leases in this state.
    #[arg(long, value_parser = status_parser())]
    status: Option<LeaseStatus>,
    /// Only leases requested by this actor.
    #[arg(long, value_name = "ACTOR")]
    requested_by: Option<String>,
    /// Order of the list.
    #[arg(long, value_enum, default_value_t = Sort::Newest)]
    sort: Sort,
    /// Page size (1-1000).
    #[arg(long, default_value_t = DEFAULT_LIMIT)]
    limit: u32,
    /// Continue after this lease id (the `next` of the previous page).
    #[arg(long, value_name = "LEASE")]
    after: Option<String>,
}

const DEFAULT_LIMIT: u32 = 100;

/// `--status`: the API's lease statuses, each with its meaning in `--help`.
fn status_parser() -> impl TypedValueParser<Value = LeaseStatus> {
    PossibleValuesParser::new(
        LeaseStatus::ALL
            .iter()
            .map(|s| PossibleValue::new(s.as_str()).help(s.meaning())),
    )
    .try_map(|name| LeaseStatus::parse(&name).ok_or("not a lease status"))
}

/// Orders of `lease list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Sort {
    /// The most recently requested lease first.
    Newest,
    /// The oldest lease first.
    Oldest,
}

impl Sort {
    fn order(self) -> &'static str {
        match self {
            Sort::Newest => "descending",
            Sort::Oldest => "ascending",
        }
    }
}

/// Runs `lease list`.
pub async fn run(api: &Api, args: ListArgs) -> Result<(), CliError> {
    let mut payload = json!({
        "secret": args.secret,
        "status": args.status.map(LeaseStatus::as_str),
        "requested_by": args.requested_by,
        "limit": args.limit,
        "after": args.after,
    });
    // Oldest first is the API's default: leave it out so older engines still answer.
    if args.sort != Sort::Oldest {
        payload["order"] = json!(args.sort.order());
    }
    let reply = api.query(Operation::LeaseList, payload).await?;
    if api.json {
        print_json(&reply);
        return Ok(());
    }
    let mut table = Table::new(&[
        "LEASE",
        "SECRET",
        "USER",
        "STATUS",
        "EXPIRES/ENDED",
        "REQUESTED BY",
    ]);
    for l in reply["items"].as_array().into_iter().flatten() {
        table.row(vec![
            text(l, "lease_id"),
            text(l, "secret"),
            text(l, "user_principal_name"),
            status_text(l),
            ends(l),
            text(l, "requested_by"),
        ]);
    }
    table.print("no leases");
    if let Some(next) = reply["next"].as_str() {
        println!("(more: `leasehold {} --after {next}`)", again(&args));
    }
    Ok(())
}

/// The command that lists the next page: the same filters, order and page size.
fn again(args: &ListArgs) -> String {
    let mut line = String::from("lease list");
    if let Some(s) = &args.secret {
        line.push_str(&format!(" --secret {s}"));
    }
    if let Some(s) = args.status {
        line.push_str(&format!(" --status {}", s.as_str()));
    }
    if let Some(a) = &args.requested_by {
        line.push_str(&format!(" --requested-by {a}"));
    }
    if args.sort != Sort::Newest {
        line.push_str(" --sort oldest");
    }
    if args.limit != DEFAULT_LIMIT {
        line.push_str(&format!(" --limit {}", args.limit));
    }
    line
}

/// When the lease ends: its expiry while it lives, else when it ended.
pub fn ends(l: &Value) -> String {
    match l["status"].as_str() {
        Some("revoked") if l["revoked_at"].is_string() => {
            format!("ended {}", when(l, "revoked_at"))
        }
        Some("activation_failed") if l["activation_failed_at"].is_string() => {
            format!("failed {}", when(l, "activation_failed_at"))
        }
        _ => when(l, "expires_at"),
    }
}

/// The status, flagged when revocation keeps failing.
pub fn status_text(l: &Value) -> String {
    let status = text(l, "status");
    if l["revocation_failing"] == true {
        format!("{status} (failing)")
    } else {
        status
    }
}
