//! `leasehold secret …`: one dynamic secret per Entra user.

use std::io::IsTerminal;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{ArgGroup, Args, Subcommand};
use leasehold_api::{CredentialKind, Operation};
use leasehold_domain::Ttl;
use serde_json::{json, Value};

use super::context::Api;
use super::exit::{some_failed, CliError};
use super::output::{print_fields, print_json, text, ttl, warn, when, Table};
use super::{pick, users};

/// Dynamic secrets: one Entra user each, with a default and a max lease TTL.
#[derive(Subcommand, Debug)]
pub enum SecretCmd {
    /// Create one dynamic secret per user, named <prefix>-<user>.
    Create(CreateArgs),
    /// List live dynamic secrets you may see.
    List {
        /// Only the secrets of this connection.
        #[arg(long)]
        connection: Option<String>,
        /// Page size (1-1000).
        #[arg(long, default_value_t = DEFAULT_LIMIT)]
        limit: u32,
        /// Continue after this secret name (the `next` of the previous page).
        #[arg(long, value_name = "NAME")]
        after: Option<String>,
    },
    /// Show one dynamic secret (also a deleted one).
    Get {
        /// Secret name.
        name: String,
    },
    /// Change TTLs or move a secret to another connection.
    #[command(group(ArgGroup::new("change").required(true).multiple(true)
        .args(["default_ttl", "max_ttl", "connection"])))]
    Update {
        /// Secret name.
        name: String,
        /// New default lease TTL, e.g. 30m.
        #[arg(long, value_name = "DURATION")]
        default_ttl: Option<Ttl>,
        /// New max lease TTL, e.g. 12h.
        #[arg(long, value_name = "DURATION")]
        max_ttl: Option<Ttl>,
        /// Move the secret to this connection.
        #[arg(long)]
        connection: Option<String>,
    },
    /// Delete a dynamic secret; its live lease is revoked first.
    Delete {
        /// Secret name.
        name: String,
    },
}

/// `secret create`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("who").required(true).args(["users", "pick"])))]
pub struct CreateArgs {
    /// Connection of the users' tenant.
    #[arg(long)]
    connection: String,
    /// Name prefix: secrets are named <prefix>-<user>.
    #[arg(long)]
    prefix: String,
    /// Default lease TTL, e.g. 1h (server default 1h).
    #[arg(long, value_name = "DURATION")]
    default_ttl: Option<Ttl>,
    /// Max lease TTL, renewals included, e.g. 24h (server default 24h).
    #[arg(long, value_name = "DURATION")]
    max_ttl: Option<Ttl>,
    /// Kind of credential the leases hand out (default password). A Temporary Access
    /// Pass needs whole-minute TTLs within the tenant's TAP policy and is not renewable;
    /// see docs/credential-kinds.md.
    #[arg(long, value_name = "KIND", value_parser = kind_parser())]
    kind: Option<CredentialKind>,
    /// With --kind temporary_access_pass: each pass signs in once only.
    #[arg(long)]
    usable_once: bool,
    /// User principal name or object id; repeat or separate with commas.
    #[arg(long = "user", value_name = "USER", num_args = 1.., value_delimiter = ',')]
    users: Vec<String>,
    /// Choose users from a numbered list of the tenant's users (reads e.g. `1,3,5-7`
    /// from standard input).
    #[arg(long)]
    pick: bool,
    /// With --pick: only list users whose name or UPN starts with this text.
    #[arg(long, value_name = "TEXT", requires = "pick")]
    search: Option<String>,
}

/// Runs a `secret` subcommand.
pub async fn run(api: &Api, cmd: SecretCmd) -> Result<(), CliError> {
    match cmd {
        SecretCmd::Create(args) => create(api, args).await,
        SecretCmd::List {
            connection,
            limit,
            after,
        } => {
            let reply = api
                .query(
                    Operation::SecretList,
                    json!({ "connection": connection, "limit": limit, "after": after }),
                )
                .await?;
            if api.json {
                print_json(&reply);
                return Ok(());
            }
            let mut table = Table::new(&[
                "NAME",
                "USER",
                "CONNECTION",
                "DEFAULT TTL",
                "MAX TTL",
                "LIVE LEASE",
            ]);
            for s in reply["items"].as_array().into_iter().flatten() {
                table.row(vec![
                    text(s, "name"),
                    text(s, "user_principal_name"),
                    text(s, "connection"),
                    ttl(s, "default_ttl"),
                    ttl(s, "max_ttl"),
                    text(s, "live_lease_id"),
                ]);
            }
            table.print("no dynamic secrets; create some with `leasehold secret create`");
            let mut again = String::from("secret list");
            if let Some(c) = &connection {
                again.push_str(&format!(" --connection {c}"));
            }
            if limit != DEFAULT_LIMIT {
                again.push_str(&format!(" --limit {limit}"));
            }
            more(&reply, &again);
            Ok(())
        }
        SecretCmd::Get { name } => {
            let reply = api
                .query(Operation::SecretGet, json!({ "name": name }))
                .await?;
            show(api, &reply);
            Ok(())
        }
        SecretCmd::Update {
            name,
            default_ttl,
            max_ttl,
            connection,
        } => {
            let mut payload = json!({ "name": name });
            if let Some(t) = default_ttl {
                payload["default_ttl"] = json!(t.to_string());
            }
            if let Some(t) = max_ttl {
                payload["max_ttl"] = json!(t.to_string());
            }
            if let Some(c) = connection {
                payload["connection"] = json!(c);
            }
            let reply = api.command(Operation::SecretUpdate, payload).await?;
            show(api, &reply);
            Ok(())
        }
        SecretCmd::Delete { name } => {
            let reply = api
                .command(Operation::SecretDelete, json!({ "name": name }))
                .await?;
            if api.json {
                print_json(&reply);
            } else {
                match reply["revoked_lease_id"].as_str() {
                    Some(id) => println!("deleted secret {name}; revoked its live lease {id}"),
                    None => println!("deleted secret {name}"),
                }
            }
            Ok(())
        }
    }
}

async fn create(api: &Api, args: CreateArgs) -> Result<(), CliError> {
    let users = if args.pick {
        let listed = users::fetch(api, &args.connection, args.search.as_deref()).await?;
        let stdin = std::io::stdin();
        if stdin.is_terminal() && std::io::stderr().is_terminal() {
            pick::pick_interactively(&listed)?
        } else {
            let picked = pick::pick(&listed, &mut stdin.lock(), &mut std::io::stderr())?;
            if !stdin.is_terminal() {
                // Piped input is not echoed: end the prompt line ourselves.
                eprintln!();
            }
            picked
        }
    } else {
        args.users
    };
    let mut payload = json!({
        "connection": args.connection,
        "prefix": args.prefix,
        "users": users,
    });
    if let Some(t) = args.default_ttl {
        payload["default_ttl"] = json!(t.to_string());
    }
    if let Some(t) = args.max_ttl {
        payload["max_ttl"] = json!(t.to_string());
    }
    if let Some(kind) = args.kind {
        payload["credential_kind"] = json!(kind);
    }
    if args.usable_once {
        payload["usable_once"] = json!(true);
    }
    let reply = api.command(Operation::SecretCreate, payload).await?;
    let failed: Vec<Value> = reply["failed"].as_array().cloned().unwrap_or_default();
    if api.json {
        print_json(&reply);
    } else {
        let mut table = Table::new(&["NAME", "USER", "KIND", "DEFAULT TTL", "MAX TTL"]);
        for s in reply["created"].as_array().into_iter().flatten() {
            table.row(vec![
                text(s, "name"),
                text(s, "user_principal_name"),
                text(s, "credential_kind"),
                ttl(s, "default_ttl"),
                ttl(s, "max_ttl"),
            ]);
        }
        table.print("no secret created");
    }
    warn(&reply);
    if failed.is_empty() {
        return Ok(());
    }
    let head = format!("no secret was created for {} of the users", failed.len());
    Err(some_failed(
        failed,
        "user",
        "invalid_request",
        head,
        "fix those users and run `leasehold secret create` again for them",
    ))
}

fn show(api: &Api, s: &Value) {
    if api.json {
        print_json(s);
        return;
    }
    print_fields(&[
        ("name", text(s, "name")),
        ("user", text(s, "user_principal_name")),
        ("display name", text(s, "display_name")),
        ("object id", text(s, "user_object_id")),
        ("connection", text(s, "connection")),
        ("kind", text(s, "credential_kind")),
        ("usable once", text(s, "usable_once")),
        ("default ttl", ttl(s, "default_ttl")),
        ("max ttl", ttl(s, "max_ttl")),
        ("live lease", text(s, "live_lease_id")),
        ("created", when(s, "created_at")),
        ("updated", when(s, "updated_at")),
        ("deleted", when(s, "deleted_at")),
    ]);
}

/// `--kind`: the API's credential kinds, each with its meaning in `--help`.
fn kind_parser() -> impl TypedValueParser<Value = CredentialKind> {
    PossibleValuesParser::new(
        CredentialKind::ALL
            .iter()
            .map(|k| PossibleValue::new(k.as_str()).help(k.meaning())),
    )
    .try_map(|name| CredentialKind::parse(&name).ok_or("not a credential kind"))
}

/// Page size of `secret list` unless told otherwise.
const DEFAULT_LIMIT: u32 = 100;

/// Tells how to get the next page when there is one (`command` with its filters).
fn more(reply: &Value, command: &str) {
    if let Some(next) = reply["next"].as_str() {
        println!("(more: `leasehold {command} --after {next}`)");
    }
}
