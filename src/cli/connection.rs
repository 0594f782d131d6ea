//! `leasehold connection …`: register, inspect, rotate and delete Entra applications.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use leasehold_api::{ConnectionHealth, Operation};
use leasehold_domain::Cloud;
use serde_json::{json, Value};

use super::context::Api;
use super::exit::CliError;
use super::output::{print_fields, print_json, text, warn, when, Table};

/// Entra applications leasehold acts through.
#[derive(Subcommand, Debug)]
pub enum ConnectionCmd {
    /// Register an Entra application; its credentials are checked at the token endpoint
    /// first and the client secret is sealed before it is stored.
    Create(CreateArgs),
    /// List live connections.
    List,
    /// Show one connection (never its client secret).
    Get {
        /// Connection name.
        name: String,
    },
    /// Check a connection now: a fresh token from Entra, the Graph permissions and
    /// directory role it grants, and the last failed Graph call of its leases. Exits 5
    /// when the connection cannot do leasehold's work.
    Check {
        /// Connection name.
        name: String,
    },
    /// Replace the client secret; every dynamic secret of the connection uses the new
    /// one at once.
    Rotate {
        /// Connection name.
        name: String,
        #[command(flatten)]
        secret: ClientSecret,
        /// Store the new secret without asking Entra (for setups that cannot reach it).
        #[arg(long)]
        skip_verify: bool,
    },
    /// Delete a connection (refused while live secrets use it).
    Delete {
        /// Connection name.
        name: String,
    },
}

/// `connection create`.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Connection name (letters, digits, `-`, `_`); never reused.
    name: String,
    /// Directory (tenant) id of the Entra tenant.
    #[arg(long)]
    tenant_id: String,
    /// Application (client) id of the app registration.
    #[arg(long)]
    client_id: String,
    #[command(flatten)]
    secret: ClientSecret,
    /// Microsoft cloud of the tenant.
    #[arg(long, value_enum, default_value = "global")]
    cloud: CloudArg,
    /// Token endpoint host for `--cloud custom`, e.g. https://login.microsoftonline.com.
    #[arg(long, required_if_eq("cloud", "custom"), value_name = "URL")]
    login_url: Option<String>,
    /// Microsoft Graph host for `--cloud custom`, e.g. https://graph.microsoft.com.
    #[arg(long, required_if_eq("cloud", "custom"), value_name = "URL")]
    graph_url: Option<String>,
    /// Store the connection without asking Entra whether the secret works and the app
    /// has the Graph permissions and directory role leasehold needs (for setups that
    /// cannot reach Entra).
    #[arg(long)]
    skip_verify: bool,
}

/// Where the client secret comes from (never a command-line argument: `ps` shows those).
#[derive(Args, Debug)]
pub struct ClientSecret {
    /// Read the client secret from FILE (`-` = standard input); without it, from
    /// $LEASEHOLD_CLIENT_SECRET.
    #[arg(long, value_name = "FILE")]
    client_secret_file: Option<PathBuf>,
}

/// The clouds `--cloud` accepts.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum CloudArg {
    /// Microsoft Entra ID worldwide.
    Global,
    /// Azure US Government (GCC High).
    UsGov,
    /// Azure US Government DoD.
    UsGovDod,
    /// Azure China (21Vianet).
    China,
    /// Explicit hosts (--login-url, --graph-url), e.g. the Entra emulator.
    Custom,
}

impl ClientSecret {
    fn read(&self) -> Result<String, CliError> {
        let raw = match &self.client_secret_file {
            Some(path) if path.as_os_str() == "-" => {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                s
            }
            Some(path) => std::fs::read_to_string(path).map_err(|e| {
                CliError::usage(format!(
                    "cannot read the client secret from {}: {e}",
                    path.display()
                ))
            })?,
            None => std::env::var("LEASEHOLD_CLIENT_SECRET").map_err(|_| {
                CliError::usage(
                    "no client secret: give --client-secret-file FILE (`-` for standard input) \
                     or set LEASEHOLD_CLIENT_SECRET",
                )
            })?,
        };
        let secret = raw.trim().to_string();
        if secret.is_empty() {
            return Err(CliError::usage("the client secret is empty"));
        }
        Ok(secret)
    }
}

impl CreateArgs {
    fn cloud(&self) -> Cloud {
        match self.cloud {
            CloudArg::Global => Cloud::Global,
            CloudArg::UsGov => Cloud::UsGov,
            CloudArg::UsGovDod => Cloud::UsGovDod,
            CloudArg::China => Cloud::China,
            CloudArg::Custom => Cloud::Custom {
                login_url: self.login_url.clone().unwrap_or_default(),
                graph_url: self.graph_url.clone().unwrap_or_default(),
            },
        }
    }
}

/// Runs a `connection` subcommand.
pub async fn run(api: &Api, cmd: ConnectionCmd) -> Result<(), CliError> {
    match cmd {
        ConnectionCmd::Create(args) => {
            let mut payload = json!({
                "name": args.name,
                "tenant_id": args.tenant_id,
                "client_id": args.client_id,
                "client_secret": args.secret.read()?,
                "cloud": args.cloud(),
            });
            if args.skip_verify {
                payload["skip_verify"] = json!(true);
            }
            let reply = api.command(Operation::ConnectionCreate, payload).await?;
            show(api, &reply);
            warn(&reply);
        }
        ConnectionCmd::List => {
            let reply = api.query(Operation::ConnectionList, json!({})).await?;
            if api.json {
                print_json(&reply);
                return Ok(());
            }
            let mut table = Table::new(&["NAME", "TENANT", "CLIENT", "CLOUD", "CREATED"]);
            for c in reply["items"].as_array().into_iter().flatten() {
                table.row(vec![
                    text(c, "name"),
                    text(c, "tenant_id"),
                    text(c, "client_id"),
                    cloud_name(&c["cloud"]),
                    when(c, "created_at"),
                ]);
            }
            table.print("no connections; register one with `leasehold connection create`");
        }
        ConnectionCmd::Get { name } => {
            let reply = api
                .query(Operation::ConnectionGet, json!({ "name": name }))
                .await?;
            show(api, &reply);
        }
        ConnectionCmd::Check { name } => {
            let reply = api
                .query(Operation::ConnectionCheck, json!({ "name": name }))
                .await?;
            let health: ConnectionHealth = serde_json::from_value(reply.clone())
                .map_err(|e| CliError::failure(format!("connection.check reply: {e}")))?;
            if api.json {
                print_json(&reply);
            } else {
                print_health(&health);
            }
            if !health.healthy {
                return Err(CliError::problems(format!(
                    "connection {name} cannot do leasehold's work; fix what is listed above \
                     (docs/azure-setup.md)"
                )));
            }
        }
        ConnectionCmd::Rotate {
            name,
            secret,
            skip_verify,
        } => {
            let mut payload = json!({ "name": name, "client_secret": secret.read()? });
            if skip_verify {
                payload["skip_verify"] = json!(true);
            }
            let reply = api.command(Operation::ConnectionRotate, payload).await?;
            if api.json {
                print_json(&reply);
            } else {
                println!("rotated the client secret of connection {name}; its secrets use it now");
            }
            warn(&reply);
        }
        ConnectionCmd::Delete { name } => {
            let reply = api
                .command(Operation::ConnectionDelete, json!({ "name": name }))
                .await?;
            if api.json {
                print_json(&reply);
            } else {
                println!("deleted connection {name}");
            }
        }
    }
    Ok(())
}

fn show(api: &Api, c: &Value) {
    if api.json {
        print_json(c);
        return;
    }
    print_fields(&[
        ("name", text(c, "name")),
        ("tenant", text(c, "tenant_id")),
        ("client", text(c, "client_id")),
        ("cloud", cloud_name(&c["cloud"])),
        ("created", when(c, "created_at")),
        ("rotated", when(c, "rotated_at")),
    ]);
}

fn print_health(h: &ConnectionHealth) {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let mut fields = vec![
        ("connection", h.name.clone()),
        ("healthy", yes_no(h.healthy)),
        (
            "token",
            match &h.token_error {
                None => "ok".to_string(),
                Some(error) => format!("refused: {error}"),
            },
        ),
        (
            "missing",
            if h.missing.is_empty() {
                "nothing".to_string()
            } else {
                h.missing.join("; ")
            },
        ),
        (
            "passes",
            h.passes_allowed.map_or("unknown".to_string(), yes_no),
        ),
    ];
    for unknown in &h.unknown {
        fields.push(("unknown", unknown.clone()));
    }
    fields.push((
        "last error",
        match &h.last_graph_error {
            None => "none".to_string(),
            Some(e) => format!(
                "{} at {} on lease {} ({}): {}",
                e.error.kind,
                e.error.at.to_rfc3339(),
                e.lease_id,
                e.secret,
                e.error.message
            ),
        },
    ));
    print_fields(&fields);
}

/// `global`, `us_gov`, … or `custom (https://graph…)`.
fn cloud_name(cloud: &Value) -> String {
    match cloud["kind"].as_str() {
        Some("custom") => format!("custom ({})", text(cloud, "graph_url")),
        Some(kind) => kind.to_string(),
        None => "-".to_string(),
    }
}
