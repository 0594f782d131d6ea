//! The `leasehold` command: runs the engine, the emulator and the demo, and speaks the
//! NATS API for people and scripts. The subcommands live in `cli/`, one file per noun.

mod cli;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    leasehold::hardening::harden_process();
    cli::main().await
}
