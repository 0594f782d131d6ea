//! The `leasehold` command line: one module per noun, each with its clap definitions and
//! handlers. Client subcommands speak the NATS API; `serve` and friends run leasehold.

mod audit;
mod connection;
mod context;
mod exit;
mod explain;
mod flags;
mod keys;
mod lease;
mod lease_list;
mod output;
mod pick;
mod resolve;
mod revoke;
mod secret;
mod server;
mod users;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use leasehold::app::Components;

use context::Api;
use exit::CliError;
use flags::{Client, Globals, Settings};

const AFTER_HELP: &str = "\
Environment:
  LEASEHOLD_ACTOR           who is asking (instead of --actor)
  LEASEHOLD_NATS_URL        NATS server (default nats://127.0.0.1:4222)
  LEASEHOLD_NATS_CREDS_FILE NATS login: .creds file (or LEASEHOLD_NATS_USER and
                            LEASEHOLD_NATS_PASSWORD, or LEASEHOLD_NATS_TOKEN)
  LEASEHOLD_SUBJECT_PREFIX  subject prefix of the installation (default leasehold)
  LEASEHOLD_CONFIG          configuration file (default ./leasehold.toml)
  Every setting is listed in docs/operations.md.";

/// Short-lived passwords for Microsoft Entra ID users, on demand, taken back on time.
#[derive(Parser, Debug)]
#[command(
    name = "leasehold",
    version,
    about,
    long_about = None,
    after_help = format!("{AFTER_HELP}\n\n{}", exit::HELP),
)]
pub struct Cli {
    #[command(flatten)]
    globals: Globals,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Entra applications (tenant, client id, client secret) leasehold acts through.
    Connection(Client<connection::ConnectionCmd>),
    /// Users of a connection's tenant, to pick dynamic secrets from.
    Users(Client<users::UsersCmd>),
    /// Dynamic secrets: one Entra user each, with a default and a max lease TTL.
    Secret(Client<secret::SecretCmd>),
    /// Leases: ask for a working password, list, renew and revoke them.
    Lease(Client<lease::LeaseCmd>),
    /// Replay the history: events of a lease or secret, who held a user when, export,
    /// verify.
    Audit(Client<audit::AuditCmd>),
    /// Master-key rotation (needs PostgreSQL and the keys, not NATS).
    Keys(keys::KeysArgs),
    /// Run the engine: command service, relay, worker, scheduler and projection.
    Serve {
        /// Comma-separated subset: command,relay,worker,scheduler,projection (or all),
        /// and http for the HTTP gateway.
        #[arg(long, default_value = "all")]
        components: Components,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Run the Entra emulator (token endpoint and Graph users API) on its own.
    Emulator {
        /// Seed file (TOML) with tenants, applications and users; default: the demo tenant.
        #[arg(long, value_name = "FILE")]
        seed: Option<PathBuf>,
        /// Address to listen on (loopback by default).
        #[arg(long, default_value = "127.0.0.1:8400")]
        listen: SocketAddr,
    },
    /// Walk the whole flow against local Postgres/NATS and a built-in emulator.
    Demo,
    /// Read models.
    #[command(subcommand)]
    Projections(server::ProjectionAction),
    /// Configuration.
    #[command(subcommand)]
    Config(server::ConfigAction),
    /// Print a shell completion script, e.g. `leasehold completions bash >
    /// /etc/bash_completion.d/leasehold`.
    Completions {
        /// The shell: bash, elvish, fish, powershell or zsh.
        shell: clap_complete::Shell,
    },
}

/// Parses the command line, runs it, reports any error and returns the exit code.
pub async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return exit::command_line(e, wants_json(std::env::args_os())),
    };
    leasehold::tls::install_ring_provider();
    let json = cli.json();
    match run(cli).await {
        Ok(()) => ExitCode::from(exit::SUCCESS),
        Err(e) => {
            e.report(json);
            ExitCode::from(e.exit_code())
        }
    }
}

/// Whether the command line asks for JSON (`--json` anywhere before a lone `--`), even
/// when it does not parse.
fn wants_json(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    args.into_iter()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json")
}

impl Cli {
    /// Whether errors are to be reported as JSON.
    fn json(&self) -> bool {
        let after = match &self.command {
            Command::Connection(c) => c.opts.json,
            Command::Users(c) => c.opts.json,
            Command::Secret(c) => c.opts.json,
            Command::Lease(c) => c.opts.json,
            Command::Audit(c) => c.opts.json,
            Command::Keys(k) => k.json,
            _ => false,
        };
        after || self.globals.client.json
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let globals = cli.globals;
    let api = |opts: &flags::ClientOpts| Settings::merge(&globals, opts);
    let plain = |name: &str| {
        globals
            .client
            .refuse_for(name, false)
            .map(|()| Settings::plain(&globals))
    };
    match cli.command {
        Command::Connection(c) => connection::run(&Api::connect(&api(&c.opts)).await?, c.cmd).await,
        Command::Users(c) => users::run(&Api::connect(&api(&c.opts)).await?, c.cmd).await,
        Command::Secret(c) => secret::run(&Api::connect(&api(&c.opts)).await?, c.cmd).await,
        Command::Lease(c) => lease::run(&Api::connect(&api(&c.opts)).await?, c.cmd).await,
        Command::Audit(c) => audit::run(&Api::connect(&api(&c.opts)).await?, c.cmd).await,
        Command::Keys(k) => {
            globals.client.refuse_for("keys", true)?;
            let mut settings = Settings::plain(&globals);
            settings.json |= k.json;
            keys::run(&settings, k.cmd).await
        }
        Command::Serve { components } => server::serve(&plain("serve")?, components).await,
        Command::Migrate => server::migrate(&plain("migrate")?).await,
        Command::Emulator { seed, listen } => {
            plain("emulator")?;
            server::emulator(seed, listen).await
        }
        Command::Demo => server::demo(&plain("demo")?).await,
        Command::Projections(server::ProjectionAction::Rebuild) => {
            server::rebuild(&plain("projections rebuild")?).await
        }
        Command::Config(server::ConfigAction::Check) => {
            server::check_config(&plain("config check")?)
        }
        Command::Completions { shell } => {
            plain("completions")?;
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "leasehold", &mut std::io::stdout());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Every subcommand and every argument says what it is for.
    #[test]
    fn every_command_and_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() {
                    missing.push(format!("{path} --{}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                let sub_path = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() {
                    missing.push(sub_path.clone());
                }
                walk(sub, &sub_path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "leasehold", &mut missing);
        assert!(missing.is_empty(), "without help: {missing:?}");
    }
}
