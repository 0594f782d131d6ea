//! `leasehold users list`: the tenant's users, to pick dynamic secrets from.

use clap::Subcommand;
use leasehold_api::Operation;
use serde_json::{json, Value};

use super::context::Api;
use super::exit::CliError;
use super::output::{print_json, text, Table};

/// Users of a connection's tenant, from Microsoft Graph.
#[derive(Subcommand, Debug)]
pub enum UsersCmd {
    /// List the tenant's users (every page), sorted by user principal name.
    List {
        /// Connection whose tenant to list.
        #[arg(long)]
        connection: String,
        /// Only users whose name or UPN starts with this text.
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
    },
}

/// Runs a `users` subcommand.
pub async fn run(api: &Api, cmd: UsersCmd) -> Result<(), CliError> {
    let UsersCmd::List { connection, search } = cmd;
    let users = fetch(api, &connection, search.as_deref()).await?;
    if api.json {
        print_json(&json!({ "items": users }));
        return Ok(());
    }
    table(&users, false).print("no users found");
    Ok(())
}

/// The tenant's users sorted by UPN (a stable order for numbering).
pub async fn fetch(
    api: &Api,
    connection: &str,
    search: Option<&str>,
) -> Result<Vec<Value>, CliError> {
    let mut payload = json!({ "connection": connection });
    if let Some(s) = search {
        payload["starts_with"] = json!(s);
    }
    let reply = api.query(Operation::UsersList, payload).await?;
    let mut users: Vec<Value> = reply["items"].as_array().cloned().unwrap_or_default();
    users.sort_by_key(|u| text(u, "user_principal_name").to_lowercase());
    Ok(users)
}

/// The users as a table, numbered from 1 when `numbered`.
pub fn table(users: &[Value], numbered: bool) -> Table {
    let mut table = if numbered {
        Table::new(&["#", "USER", "NAME", "ENABLED", "OBJECT ID"])
    } else {
        Table::new(&["USER", "NAME", "ENABLED", "OBJECT ID"])
    };
    for (i, u) in users.iter().enumerate() {
        let mut row = vec![
            text(u, "user_principal_name"),
            text(u, "display_name"),
            if u["account_enabled"] == json!(false) {
                "no".to_string()
            } else {
                "yes".to_string()
            },
            text(u, "object_id"),
        ];
        if numbered {
            row.insert(0, (i + 1).to_string());
        }
        table.row(row);
    }
    table
}
