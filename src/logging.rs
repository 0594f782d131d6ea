//! The log setup every leasehold process shares: `RUST_LOG` (default `info`), with the
//! NATS client capped at [`leasehold_bus::NATS_LOG_CAP`] whatever `RUST_LOG` says.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// The cap: everything passes except async-nats above INFO (its DEBUG lines name the
/// server addresses it dials, its TRACE lines carry whole messages, secrets included).
pub fn nats_cap() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target(leasehold_bus::NATS_LOG_TARGET, leasehold_bus::NATS_LOG_CAP)
}

/// Logs to `writer` at `RUST_LOG` (default `info`), NATS client capped.
pub fn init<W>(writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    init_with(filter, writer, true);
}

/// Logs to `writer` through `filter`, NATS client capped (tests pass `trace`). Does
/// nothing if the process already has a subscriber.
pub fn init_with<W>(filter: EnvFilter, writer: W, ansi: bool)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(nats_cap())
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(ansi)
                .with_writer(writer),
        )
        .try_init();
}
