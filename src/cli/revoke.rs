//! `lease revoke`: ask for the revocation, then (with `--wait`) follow the lease until
//! Entra has confirmed it, so "revoked" on the screen means the old password is dead.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use leasehold::client::REVOCATION_CONFIRMED as CONFIRMED;
use leasehold_api::Operation;
use serde_json::{json, Value};

use super::context::Api;
use super::exit::{some_failed, CliError};
use super::output::{print_json, text};

/// How often `--wait` asks for the lease's state.
const POLL: Duration = Duration::from_millis(200);

/// Revokes lease `id` (or the live lease of `secret`), waiting for Entra if `wait`.
pub async fn one(
    api: &Api,
    id: Option<String>,
    secret: Option<String>,
    force: bool,
    wait: bool,
) -> Result<(), CliError> {
    let mut payload = match (&id, &secret) {
        (Some(id), _) => json!({ "lease_id": id }),
        (None, secret) => json!({ "secret": secret }),
    };
    if force {
        payload["force"] = json!(true);
    }
    let mut reply = api.command(Operation::LeaseRevoke, payload).await?;
    let revoked = revoked_ids(&reply);
    if wait {
        for lease in &revoked {
            reply["lease"] = confirmed(api, lease).await?;
        }
    }
    if api.json {
        print_json(&reply);
        return Ok(());
    }
    if revoked.is_empty() {
        println!(
            "secret {} has no live lease; nothing to revoke",
            secret.unwrap_or_default()
        );
    }
    for lease in revoked {
        if reply["lease"]["status"] == "revoked" {
            println!("lease {lease} is revoked: {CONFIRMED}");
        } else {
            println!(
                "lease {lease} is {}: Entra has not confirmed yet, so the old password may \
                 work a moment longer; `leasehold lease revoke {lease} --wait` waits for it",
                text(&reply["lease"], "status")
            );
        }
    }
    Ok(())
}

/// The leases a bulk revocation takes (every one given must match).
pub struct Selector {
    /// Secrets whose name starts with this.
    pub prefix: Option<String>,
    /// Secrets on this connection.
    pub connection: Option<String>,
    /// Leases this actor requested.
    pub requested_by: Option<String>,
}

impl Selector {
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.prefix {
            parts.push(format!("secrets starting with {p}"));
        }
        if let Some(c) = &self.connection {
            parts.push(format!("connection {c}"));
        }
        if let Some(a) = &self.requested_by {
            parts.push(format!("requested by {a}"));
        }
        parts.join(", ")
    }
}

/// Revokes every live lease `selector` takes, in one command (admins only).
pub async fn bulk(api: &Api, selector: Selector, force: bool, wait: bool) -> Result<(), CliError> {
    let payload = json!({
        "prefix": selector.prefix,
        "connection": selector.connection,
        "requested_by": selector.requested_by,
        "force": force,
    });
    let reply = api.command(Operation::LeaseRevoke, payload).await?;
    let revoked = revoked_ids(&reply);
    let mut done = 0;
    if wait {
        for lease in &revoked {
            confirmed(api, lease).await?;
            done += 1;
        }
    }
    let failed = reply["failed"].as_array().cloned().unwrap_or_default();
    if api.json {
        print_json(&reply);
    } else {
        let what = selector.describe();
        let request = text(&reply, "request_id");
        match revoked.len() {
            0 => println!("no live lease matches ({what}); nothing revoked"),
            n => {
                let state = if wait && done == n {
                    format!("revoked, {CONFIRMED}")
                } else {
                    "revoking; Entra confirms in a moment (`--wait` waits for it)".to_string()
                };
                println!("{n} lease(s) ({what}) {state}; one command, request id {request}:");
                for lease in &revoked {
                    println!("  {lease}");
                }
            }
        }
    }
    if failed.is_empty() {
        return Ok(());
    }
    let head = format!("{} lease(s) could not be revoked", failed.len());
    Err(some_failed(
        failed,
        "lease_id",
        "internal",
        head,
        "revoke them one by one with `leasehold lease revoke ID`",
    ))
}

/// Follows `lease` until it is revoked, with a progress line on stderr; the lease as
/// `lease.get` shows it. Not confirmed within the timeout is a failure (exit 4).
pub async fn confirmed(api: &Api, lease: &str) -> Result<Value, CliError> {
    let started = Instant::now();
    let live = std::io::stderr().is_terminal();
    if !api.json {
        eprint!("waiting for Entra to confirm the revocation of lease {lease} …");
        if !live {
            eprintln!();
        }
    }
    loop {
        let got = api
            .query(Operation::LeaseGet, json!({ "lease_id": lease }))
            .await?;
        let state = got.get("lease").cloned().unwrap_or(got);
        if state["status"] == "revoked" {
            if live && !api.json {
                eprintln!(" done in {:.1}s", started.elapsed().as_secs_f64());
            }
            return Ok(state);
        }
        if started.elapsed() >= api.timeout {
            if live && !api.json {
                eprintln!();
            }
            let last = state["last_error"]["message"]
                .as_str()
                .map(|m| format!(" (last Graph error: {m})"))
                .unwrap_or_default();
            return Err(CliError::failure(format!(
                "Entra has not confirmed the revocation of lease {lease} within {}s{last}; \
                 leasehold keeps retrying: follow it with `leasehold lease get {lease}`, or \
                 close it with `leasehold lease revoke {lease} --force` (audited)",
                api.timeout.as_secs()
            )));
        }
        if live && !api.json {
            let failing = if state["revocation_failing"] == true {
                ", Graph keeps failing, retrying"
            } else {
                ""
            };
            eprint!(
                "\rwaiting for Entra to confirm the revocation of lease {lease} … {}s{failing}",
                started.elapsed().as_secs()
            );
            std::io::stderr().flush().ok();
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The lease ids a `lease.revoke` reply lists under `revoked`.
fn revoked_ids(reply: &Value) -> Vec<String> {
    reply["revoked"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}
