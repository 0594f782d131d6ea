//! `leasehold keys rotate-master`: re-wrap every data key under the new master key.

use clap::Subcommand;
use serde_json::json;

use super::context::load_config;
use super::exit::CliError;
use super::flags::Settings;
use super::output::{print_json, Table};

/// Master-key management (talks to PostgreSQL directly, not over NATS).
#[derive(Subcommand, Debug)]
pub enum KeysCmd {
    /// Re-wrap every live data key under the current master key, unwrapping with the
    /// previous ones (previous_master_key_files or LEASEHOLD_PREVIOUS_MASTER_KEYS); see
    /// "Rotating the master key" in docs/operations.md for the whole procedure.
    RotateMaster,
}

/// `keys`: its `--json` and its subcommand.
#[derive(clap::Args, Debug)]
pub struct KeysArgs {
    /// Print the report as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub cmd: KeysCmd,
}

/// Runs a `keys` subcommand.
pub async fn run(globals: &Settings, cmd: KeysCmd) -> Result<(), CliError> {
    let KeysCmd::RotateMaster = cmd;
    let config = load_config(globals)?;
    let previous = config
        .previous_master_keys()
        .map_err(|e| CliError::usage(format!("previous master keys: {e:#}")))?;
    if previous.is_empty() {
        return Err(CliError::usage(
            "no previous master key configured: make the new key the master key and list \
             the old one in previous_master_key_files (or LEASEHOLD_PREVIOUS_MASTER_KEYS); \
             see \"Rotating the master key\" in docs/operations.md",
        ));
    }
    let report = leasehold::keys::rotate_master(&config).await?;
    if globals.json {
        let by_master: Vec<_> = report
            .by_master
            .iter()
            .map(|(id, n)| json!({ "master_key": id, "data_keys": n }))
            .collect();
        print_json(&json!({
            "current": report.current,
            "rewrapped": report.rewrapped,
            "by_master": by_master,
        }));
        return Ok(());
    }
    println!(
        "re-wrapped {} data key(s) under master key {}",
        report.rewrapped, report.current
    );
    let mut table = Table::new(&["MASTER KEY", "LIVE DATA KEYS"]);
    for (id, n) in &report.by_master {
        table.row(vec![id.clone(), n.to_string()]);
    }
    table.print("no live data keys");
    let old: i64 = report
        .by_master
        .iter()
        .filter(|(id, _)| *id != report.current)
        .map(|(_, n)| n)
        .sum();
    if old == 0 {
        println!(
            "every data key is under the current master key: remove the previous key from \
             the configuration and restart the engines"
        );
    } else {
        println!(
            "{old} data key(s) are still under an older master key (created meanwhile by an \
             engine without the new key?); run `leasehold keys rotate-master` again"
        );
    }
    Ok(())
}
