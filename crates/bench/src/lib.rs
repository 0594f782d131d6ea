//! leasehold's benchmark programs (issue 7): each binary builds its own stack on fresh
//! resources (a new database, a unique NATS prefix, the Entra emulator on port 0), measures
//! a baseline on the same machine in the same run, prints an aligned table and writes
//! `target/bench/<name>.json`. `bench-all` runs them and regenerates
//! `docs/performance.md`. See that file for the commands and the figures.

pub mod args;
pub mod baseline;
pub mod driver;
pub mod machine;
pub mod probe;
pub mod render;
pub mod replay;
pub mod report;
pub mod seed;
pub mod serve;
pub mod stack;
pub mod stats;
pub mod throttle;

pub use args::Opts;
pub use report::{Report, Row, Verdict};
pub use stack::{Stack, StackOptions};
pub use stats::Latencies;
