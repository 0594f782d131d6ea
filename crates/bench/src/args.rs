//! Options every benchmark takes.

use std::path::PathBuf;

/// Common options (flatten into each binary's own).
#[derive(clap::Args, Clone, Debug)]
pub struct Opts {
    /// Small sizes, for a smoke test well under a minute.
    #[arg(long)]
    pub quick: bool,
    /// Where to write the JSON (default `target/bench/<name>.json`, `<name>-quick.json`
    /// with --quick).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Concurrent Graph calls per connection in the engine (default: the engine's own;
    /// bench-issue, bench-expiry and bench-throttle, whose engine runs in-process).
    #[arg(long)]
    pub graph_concurrency: Option<usize>,
}

impl Opts {
    /// `quick` or `full`.
    pub fn mode(&self) -> &'static str {
        if self.quick {
            "quick"
        } else {
            "full"
        }
    }

    /// `full` unless `--quick`.
    pub fn pick<T>(&self, full: T, quick: T) -> T {
        if self.quick {
            quick
        } else {
            full
        }
    }
}

/// The command line that started this process, for the report.
pub fn command_line() -> String {
    let mut args: Vec<String> = std::env::args().collect();
    if let Some(first) = args.first_mut() {
        if let Some(name) = std::path::Path::new(first.as_str()).file_name() {
            *first = format!(
                "cargo run --release -p leasehold-bench --bin {} --",
                name.to_string_lossy()
            );
        }
    }
    args.join(" ").trim_end_matches(" --").to_string()
}

/// Logs warnings and errors to stderr (`RUST_LOG` overrides), so a benchmark's own table
/// stays readable.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
