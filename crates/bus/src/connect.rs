//! Connecting to NATS with an error that says how to start it.

use std::time::Duration;

/// Why NATS could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The server did not answer.
    #[error(
        "cannot reach NATS at {url}: {reason}. Start it with `docker compose up -d nats`, or \
         `nats-server -js` on this host, or set LEASEHOLD_NATS_URL"
    )]
    Unreachable {
        /// The URL tried.
        url: String,
        /// The client's reason.
        reason: String,
    },
    /// JetStream is not enabled on the server, or a stream/consumer call failed.
    #[error("JetStream: {0}")]
    JetStream(String),
}

/// Connects to `url`, failing within a few seconds when nothing answers.
pub async fn connect(url: &str, name: &str) -> Result<async_nats::Client, BusError> {
    async_nats::ConnectOptions::new()
        .name(name)
        .connection_timeout(Duration::from_secs(3))
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connect(url)
        .await
        .map_err(|e| BusError::Unreachable {
            url: url.to_string(),
            reason: e.to_string(),
        })
}
