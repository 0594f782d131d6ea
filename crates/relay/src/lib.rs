//! The relay: moves outbox rows to JetStream in order, marking them published.
//!
//! Only one relay publishes at a time (a Postgres advisory lock held on a dedicated
//! connection elects it), so events of one aggregate leave in sequence order. Every
//! message carries `Nats-Msg-Id = <type>:<id>:<sequence>`: a row republished after a
//! crash between publish and mark is dropped by JetStream's de-duplication.
//!
//! The leading relay also prunes what would otherwise grow forever (see `prune.rs`).

mod leader;
mod outbox;
mod prune;
mod relay;
mod window;

pub use outbox::{fetch_unpublished, fetch_unpublished_except, mark_published, OutboxRow};
pub use prune::{prune, Pruned, Retention};
pub use relay::{Relay, RelayStep};
