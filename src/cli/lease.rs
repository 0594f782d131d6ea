//! `leasehold lease …`: ask for a working password, see it, extend it, give it back.

use std::io::IsTerminal;

use clap::{ArgGroup, Subcommand};
use leasehold_api::Operation;
use leasehold_domain::Ttl;
use serde_json::{json, Value};

use super::context::Api;
use super::exit::CliError;
use super::lease_list::{self, ends, status_text, ListArgs};
use super::output::{print_fields, print_json, text, ttl, when};
use super::{resolve, revoke};

/// Leases: one issued password for one dynamic secret, with an expiry.
#[derive(Subcommand, Debug)]
pub enum LeaseCmd {
    /// Ask for a lease: leasehold sets a fresh password on the Entra user and prints it.
    Create {
        /// Dynamic secret to lease.
        secret: String,
        /// Lease TTL, e.g. 30m or 1h30m (default: the secret's default TTL; at most its
        /// max TTL).
        #[arg(long, value_name = "DURATION")]
        ttl: Option<Ttl>,
        /// Idempotency key: sending the same id again returns the same lease.
        #[arg(long, value_name = "ID")]
        request_id: Option<String>,
        /// Print only this field (e.g. password, username, lease_id, expires_at), for
        /// scripts.
        #[arg(long, value_name = "NAME")]
        field: Option<String>,
    },
    /// List leases you may see, newest first.
    List(ListArgs),
    /// Show one lease.
    Get {
        /// Lease id, or its first characters if they are unique.
        id: String,
        /// Also print the password (only to its requester or an admin, while active).
        #[arg(long)]
        credentials: bool,
        /// Print only this field (e.g. password, username, status, expires_at), for
        /// scripts; password and username imply --credentials.
        #[arg(long, value_name = "NAME")]
        field: Option<String>,
    },
    /// Extend a lease: expires now + TTL, never past issue time + the max TTL, and never
    /// earlier than it does now unless --shorten says so.
    Renew {
        /// Lease id, or its first characters if they are unique.
        id: String,
        /// New TTL from now (default: the secret's default TTL).
        #[arg(long, value_name = "DURATION")]
        ttl: Option<Ttl>,
        /// Allow the renewal to move the expiry earlier (a --ttl shorter than what is
        /// left).
        #[arg(long)]
        shorten: bool,
    },
    /// Revoke a lease now: set a password nobody knows and end the user's sessions.
    /// Admins may revoke many at once, by secret prefix, connection or requester.
    #[command(group(ArgGroup::new("which").required(true).multiple(true)
        .args(["id", "secret", "prefix", "connection", "requested_by"])))]
    Revoke {
        /// Lease id, or its first characters if they are unique.
        #[arg(conflicts_with_all = ["secret", "prefix", "connection", "requested_by"])]
        id: Option<String>,
        /// Instead of an id: revoke the live lease of this secret (one at most).
        #[arg(long, conflicts_with_all = ["prefix", "connection", "requested_by"])]
        secret: Option<String>,
        /// Bulk (admins): every live lease of the secrets whose name starts with this.
        #[arg(long, value_name = "PREFIX")]
        prefix: Option<String>,
        /// Bulk (admins): every live lease of the secrets on this connection.
        #[arg(long, value_name = "CONNECTION")]
        connection: Option<String>,
        /// Bulk (admins): every live lease this actor requested.
        #[arg(long, value_name = "ACTOR")]
        requested_by: Option<String>,
        /// Mark it revoked at once even if Graph keeps failing (audited).
        #[arg(long)]
        force: bool,
        /// Wait until Entra confirms the old password no longer works (the default when
        /// standard output is a terminal; at most --timeout).
        #[arg(long, overrides_with = "no_wait")]
        wait: bool,
        /// Return as soon as the revocation is recorded (the default in scripts).
        #[arg(long, overrides_with = "wait")]
        no_wait: bool,
    },
}

/// Runs a `lease` subcommand.
pub async fn run(api: &Api, cmd: LeaseCmd) -> Result<(), CliError> {
    match cmd {
        LeaseCmd::Create {
            secret,
            ttl,
            request_id,
            field,
        } => {
            let mut payload = json!({ "secret": secret });
            if let Some(t) = ttl {
                payload["ttl"] = json!(t.to_string());
            }
            let reply = match request_id {
                Some(id) => {
                    api.command_with_id(Operation::LeaseCreate, payload, &id)
                        .await?
                }
                None => api.command(Operation::LeaseCreate, payload).await?,
            };
            if let Some(name) = field {
                print_field(&reply, &name)?;
            } else if api.json {
                print_json(&reply);
            } else {
                show(&reply["lease"], Some(&reply["credential"]));
                if reply["status"] == "pending" {
                    eprintln!(
                        "the password is not set in Entra yet; fetch it in a moment with \
                         `leasehold lease get {} --credentials`",
                        text(&reply["lease"], "lease_id")
                    );
                }
            }
        }
        LeaseCmd::List(args) => lease_list::run(api, args).await?,
        LeaseCmd::Get {
            id,
            credentials,
            field,
        } => {
            let id = resolve::lease_id(api, &id).await?;
            let credentials =
                credentials || matches!(field.as_deref(), Some("password" | "username"));
            let payload = json!({ "lease_id": id, "credentials": credentials });
            let reply = api.query(Operation::LeaseGet, payload).await?;
            if let Some(name) = field {
                print_field(&reply, &name)?;
            } else if api.json {
                print_json(&reply);
            } else {
                show(&reply["lease"], credentials.then_some(&reply["credential"]));
            }
        }
        LeaseCmd::Renew { id, ttl, shorten } => {
            let id = resolve::lease_id(api, &id).await?;
            let mut payload = json!({ "lease_id": id });
            if let Some(t) = ttl {
                payload["ttl"] = json!(t.to_string());
            }
            if shorten {
                payload["shorten"] = json!(true);
            }
            let reply = api.command(Operation::LeaseRenew, payload).await?;
            if api.json {
                print_json(&reply);
            } else if reply["unchanged"] == true {
                println!(
                    "lease {id} not renewed: it already expires {}, later than its default \
                     TTL from now; to shorten it, give `--ttl DURATION --shorten`",
                    when(&reply, "expires_at")
                );
            } else {
                let capped = if reply["capped"] == true {
                    "; capped at its max TTL: request a new lease to go beyond"
                } else {
                    ""
                };
                println!(
                    "renewed lease {id}: expires {}{capped}",
                    when(&reply, "expires_at")
                );
            }
        }
        LeaseCmd::Revoke {
            id,
            secret,
            prefix,
            connection,
            requested_by,
            force,
            wait,
            no_wait,
        } => {
            let wait = wait || (!no_wait && std::io::stdout().is_terminal());
            if prefix.is_some() || connection.is_some() || requested_by.is_some() {
                let selector = revoke::Selector {
                    prefix,
                    connection,
                    requested_by,
                };
                return revoke::bulk(api, selector, force, wait).await;
            }
            let id = match id {
                Some(id) => Some(resolve::lease_id(api, &id).await?),
                None => None,
            };
            revoke::one(api, id, secret, force, wait).await?;
        }
    }
    Ok(())
}

/// Prints one field of a lease reply (the credential's first, then the lease's) and
/// nothing else, for scripts.
fn print_field(reply: &Value, name: &str) -> Result<(), CliError> {
    if reply["status"] == "pending" && matches!(name, "password" | "username") {
        return Err(CliError::failure(format!(
            "the password is not set in Entra yet; fetch it in a moment with `leasehold \
             lease get {} --field {name}`",
            text(&reply["lease"], "lease_id")
        )));
    }
    let found = [&reply["credential"], &reply["lease"], reply]
        .into_iter()
        .find_map(|v| v.get(name).filter(|f| !f.is_null() && !f.is_object()));
    match found {
        Some(Value::String(s)) => println!("{s}"),
        Some(other) => println!("{other}"),
        None => {
            let mut names: Vec<&str> = [&reply["credential"], &reply["lease"]]
                .into_iter()
                .filter_map(Value::as_object)
                .flat_map(|o| o.keys().map(String::as_str))
                .collect();
            names.sort_unstable();
            names.dedup();
            return Err(CliError::usage(format!(
                "this reply has no field {name:?}; fields: {}",
                names.join(", ")
            )));
        }
    }
    Ok(())
}

fn show(l: &Value, credential: Option<&Value>) {
    let mut fields = vec![
        ("lease", text(l, "lease_id")),
        ("secret", text(l, "secret")),
        ("user", text(l, "user_principal_name")),
        ("status", status_text(l)),
    ];
    if let Some(c) = credential.filter(|c| c.is_object()) {
        fields.push(("username", text(c, "username")));
        fields.push(("password", text(c, "password")));
    }
    fields.extend([("ttl", ttl(l, "ttl")), ("issued", when(l, "issued_at"))]);
    if matches!(l["status"].as_str(), Some("revoked" | "activation_failed")) {
        // An ended lease: when it ended, not an expiry that will never come.
        fields.push(("ended", ends(l)));
    } else {
        fields.push(("expires", when(l, "expires_at")));
        fields.push(("max expires", when(l, "max_expires_at")));
    }
    fields.extend([
        ("renewals", text(l, "renewals")),
        ("requested by", text(l, "requested_by")),
    ]);
    if !l["revocation_reason"].is_null() {
        fields.push(("revocation", text(l, "revocation_reason")));
    }
    if let Some(cause) = l["activation_failure"].as_str() {
        fields.push(("failure", cause.to_string()));
    }
    if let Some(err) = l["last_error"].as_object() {
        let message = err.get("message").and_then(Value::as_str).unwrap_or("");
        fields.push(("last error", message.to_string()));
    }
    print_fields(&fields);
}
