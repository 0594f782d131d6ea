//! The log setup every leasehold process shares: `RUST_LOG` (default `info`), with the
//! NATS client capped at [`leasehold_bus::NATS_LOG_CAP`] whatever `RUST_LOG` says, as
//! text or as one JSON object per line (`log_format`, `LEASEHOLD_LOG_FORMAT`).

use std::io::IsTerminal;

use serde::{Deserialize, Serialize};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Environment variable choosing the log format before the configuration is read.
pub const LOG_FORMAT_ENV: &str = "LEASEHOLD_LOG_FORMAT";

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines; coloured only on a terminal.
    #[default]
    Text,
    /// One JSON object per line, with the fields of every enclosing span (request id,
    /// lease id, …), for log collectors.
    Json,
}

impl LogFormat {
    /// The format `LEASEHOLD_LOG_FORMAT` names (text when unset or unknown: logging
    /// must start before anything can report a bad value).
    pub fn from_env() -> Self {
        match std::env::var(LOG_FORMAT_ENV) {
            Ok(v) if v.trim().eq_ignore_ascii_case("json") => LogFormat::Json,
            _ => LogFormat::Text,
        }
    }
}

/// The cap: everything passes except async-nats above INFO (its DEBUG lines name the
/// server addresses it dials, its TRACE lines carry whole messages, secrets included).
pub fn nats_cap() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target(leasehold_bus::NATS_LOG_TARGET, leasehold_bus::NATS_LOG_CAP)
}

/// Logs to stderr at `RUST_LOG` (default `info`) in `format`, NATS client capped;
/// colours only when stderr is a terminal and `NO_COLOR` is unset.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = format == LogFormat::Text
        && std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    init_with(filter, std::io::stderr, format, ansi);
}

/// Logs to `writer` through `filter` in `format`, NATS client capped (tests pass
/// `trace` and a buffer). Does nothing if the process already has a subscriber.
pub fn init_with<W>(filter: EnvFilter, writer: W, format: LogFormat, ansi: bool)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let layer = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(ansi)
            .with_writer(writer)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_ansi(false)
            .with_writer(writer)
            .boxed(),
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(nats_cap())
        .with(layer)
        .try_init();
}
