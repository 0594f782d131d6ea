//! Options and where they apply. `--config` applies everywhere; `--actor`, `--json` and
//! `--timeout` only to the commands that speak the API (and `--json` to `keys`), so
//! `serve --help` does not offer them. They may also come before the command
//! (`leasehold --json lease list`), where they are refused for commands they do not
//! apply to.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use leasehold_domain::Ttl;

use super::exit::CliError;

/// Wait this many seconds for an answer unless told otherwise.
const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// Options of the top level.
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Global options")]
pub struct Globals {
    /// Configuration file (default: $LEASEHOLD_CONFIG, else ./leasehold.toml if present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub client: Early,
}

/// The client options given before the command.
#[derive(Args, Clone, Debug, Default)]
#[command(next_help_heading = "Client options (connection, users, secret, lease, audit)")]
pub struct Early {
    /// Who is asking (also $LEASEHOLD_ACTOR): the <actor> token of the NATS subjects.
    #[arg(long, value_name = "ACTOR")]
    pub actor: Option<String>,
    /// Print JSON instead of tables (errors become one JSON line on stderr).
    #[arg(long)]
    pub json: bool,
    /// How long to wait for an answer from leasehold (also $LEASEHOLD_TIMEOUT; default
    /// 30s).
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<Ttl>,
}

impl Early {
    /// Fails when any is given to `command`, which does not speak the API.
    pub fn refuse_for(&self, command: &str, json_applies: bool) -> Result<(), CliError> {
        let given: Vec<&str> = [
            ("--actor", self.actor.is_some()),
            ("--json", self.json && !json_applies),
            ("--timeout", self.timeout.is_some()),
        ]
        .iter()
        .filter(|(_, set)| *set)
        .map(|(flag, _)| *flag)
        .collect();
        if given.is_empty() {
            return Ok(());
        }
        Err(CliError::usage(format!(
            "{} does not apply to `leasehold {command}`; it is for the commands that speak \
             to the engine (connection, users, secret, lease, audit)",
            given.join(", ")
        )))
    }
}

/// Options of the commands that speak the API, accepted after the noun or the verb.
#[derive(Args, Clone, Debug, Default)]
#[command(next_help_heading = "Client options")]
pub struct ClientOpts {
    /// Who is asking: the <actor> token of the NATS subjects (NATS permissions
    /// authenticate it).
    #[arg(long, global = true, env = "LEASEHOLD_ACTOR", value_name = "ACTOR")]
    pub actor: Option<String>,
    /// Print the API's JSON replies instead of tables (errors become one JSON line on
    /// stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// How long to wait for an answer from leasehold [default: 30s].
    #[arg(
        long,
        global = true,
        env = "LEASEHOLD_TIMEOUT",
        value_name = "DURATION"
    )]
    pub timeout: Option<Ttl>,
}

/// A client command: its options and its subcommand.
#[derive(Args, Clone, Debug)]
pub struct Client<T: Subcommand> {
    #[command(flatten)]
    pub opts: ClientOpts,
    #[command(subcommand)]
    pub cmd: T,
}

/// What a command runs with: the configuration file and the client options, wherever
/// on the command line they were given.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Configuration file.
    pub config: Option<PathBuf>,
    /// The actor.
    pub actor: Option<String>,
    /// JSON output.
    pub json: bool,
    /// How long to wait for an answer.
    pub timeout: Ttl,
}

impl Settings {
    /// The settings of a command that takes no client options.
    pub fn plain(globals: &Globals) -> Settings {
        Settings::merge(globals, &ClientOpts::default())
    }

    /// The top-level options merged with those given after the command (which win).
    pub fn merge(globals: &Globals, opts: &ClientOpts) -> Settings {
        let early = &globals.client;
        Settings {
            config: globals.config.clone(),
            actor: opts.actor.clone().or_else(|| early.actor.clone()),
            json: opts.json || early.json,
            timeout: opts
                .timeout
                .or(early.timeout)
                .unwrap_or_else(default_timeout),
        }
    }
}

/// 30 seconds.
fn default_timeout() -> Ttl {
    // 30 is within (0, 10 years]: `from_secs` cannot refuse it.
    Ttl::from_secs(DEFAULT_TIMEOUT_SECS).unwrap_or_else(|_| unreachable!())
}
