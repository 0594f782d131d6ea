//! `leasehold lease …`: ask for a working password, see it, extend it, give it back.

use clap::{ArgGroup, Subcommand, ValueEnum};
use leasehold_api::Operation;
use leasehold_domain::Ttl;
use serde_json::{json, Value};

use super::context::Api;
use super::exit::CliError;
use super::output::{print_fields, print_json, text, ttl, when, Table};
use super::secret::more;

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
    },
    /// List leases you may see, oldest first.
    List {
        /// Only the leases of this secret.
        #[arg(long)]
        secret: Option<String>,
        /// Only leases in this state.
        #[arg(long, value_enum)]
        status: Option<Status>,
        /// Only leases requested by this actor.
        #[arg(long, value_name = "ACTOR")]
        requested_by: Option<String>,
        /// Page size (1-1000).
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Continue after this lease id (the `next` of the previous page).
        #[arg(long, value_name = "LEASE")]
        after: Option<String>,
    },
    /// Show one lease.
    Get {
        /// Lease id.
        id: String,
        /// Also print the password (only to its requester or an admin, while active).
        #[arg(long)]
        credentials: bool,
    },
    /// Extend a lease: expires now + TTL, never past issue time + the max TTL.
    Renew {
        /// Lease id.
        id: String,
        /// New TTL from now (default: the secret's default TTL).
        #[arg(long, value_name = "DURATION")]
        ttl: Option<Ttl>,
    },
    /// Revoke a lease now: set a password nobody knows and end the user's sessions.
    #[command(group(ArgGroup::new("which").required(true).args(["id", "secret"])))]
    Revoke {
        /// Lease id.
        id: Option<String>,
        /// Instead of an id: revoke the live lease of this secret (one at most).
        #[arg(long)]
        secret: Option<String>,
        /// Mark it revoked at once even if Graph keeps failing (audited).
        #[arg(long)]
        force: bool,
    },
}

/// Lease states for `--status`.
#[derive(Clone, Copy, Debug, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Status {
    /// Recorded, password not set yet.
    Requested,
    /// Password set and handed out.
    Active,
    /// Entra refused to set the password.
    ActivationFailed,
    /// Being revoked.
    Revoking,
    /// Revoked.
    Revoked,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Requested => "requested",
            Status::Active => "active",
            Status::ActivationFailed => "activation_failed",
            Status::Revoking => "revoking",
            Status::Revoked => "revoked",
        }
    }
}

/// Runs a `lease` subcommand.
pub async fn run(api: &Api, cmd: LeaseCmd) -> Result<(), CliError> {
    match cmd {
        LeaseCmd::Create {
            secret,
            ttl,
            request_id,
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
            if api.json {
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
        LeaseCmd::List {
            secret,
            status,
            requested_by,
            limit,
            after,
        } => {
            let payload = json!({
                "secret": secret,
                "status": status.map(Status::as_str),
                "requested_by": requested_by,
                "limit": limit,
                "after": after,
            });
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
                "EXPIRES",
                "REQUESTED BY",
            ]);
            for l in reply["items"].as_array().into_iter().flatten() {
                table.row(vec![
                    text(l, "lease_id"),
                    text(l, "secret"),
                    text(l, "user_principal_name"),
                    status_text(l),
                    when(l, "expires_at"),
                    text(l, "requested_by"),
                ]);
            }
            table.print("no leases");
            more(&reply, "lease list");
        }
        LeaseCmd::Get { id, credentials } => {
            let payload = json!({ "lease_id": id, "credentials": credentials });
            let reply = api.query(Operation::LeaseGet, payload).await?;
            if api.json {
                print_json(&reply);
            } else {
                show(&reply["lease"], credentials.then_some(&reply["credential"]));
            }
        }
        LeaseCmd::Renew { id, ttl } => {
            let mut payload = json!({ "lease_id": id });
            if let Some(t) = ttl {
                payload["ttl"] = json!(t.to_string());
            }
            let reply = api.command(Operation::LeaseRenew, payload).await?;
            if api.json {
                print_json(&reply);
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
        LeaseCmd::Revoke { id, secret, force } => {
            let mut payload = match (&id, &secret) {
                (Some(id), _) => json!({ "lease_id": id }),
                (None, secret) => json!({ "secret": secret }),
            };
            if force {
                payload["force"] = json!(true);
            }
            let reply = api.command(Operation::LeaseRevoke, payload).await?;
            if api.json {
                print_json(&reply);
                return Ok(());
            }
            let revoked: Vec<String> = reply["revoked"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            if revoked.is_empty() {
                println!(
                    "secret {} has no live lease; nothing to revoke",
                    secret.unwrap_or_default()
                );
            }
            for lease in revoked {
                println!(
                    "lease {lease} is {}{}",
                    text(&reply["lease"], "status"),
                    if reply["lease"]["status"] == "revoked" {
                        ""
                    } else {
                        " (the password is replaced in Entra in a moment)"
                    }
                );
            }
        }
    }
    Ok(())
}

/// The status, flagged when revocation keeps failing.
fn status_text(l: &Value) -> String {
    let status = text(l, "status");
    if l["revocation_failing"] == true {
        format!("{status} (failing)")
    } else {
        status
    }
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
    fields.extend([
        ("ttl", ttl(l, "ttl")),
        ("issued", when(l, "issued_at")),
        ("expires", when(l, "expires_at")),
        ("max expires", when(l, "max_expires_at")),
        ("renewals", text(l, "renewals")),
        ("requested by", text(l, "requested_by")),
    ]);
    if !l["revocation_reason"].is_null() {
        fields.push(("revocation", text(l, "revocation_reason")));
    }
    if !l["revoked_at"].is_null() {
        fields.push(("revoked", when(l, "revoked_at")));
    }
    if let Some(err) = l["last_error"].as_object() {
        let message = err.get("message").and_then(Value::as_str).unwrap_or("");
        fields.push(("last error", message.to_string()));
    }
    print_fields(&fields);
}
