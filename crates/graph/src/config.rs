//! Tunables of the client: timeouts, retry budget, token refresh margin, user agent.

use std::time::Duration;

/// Configuration of a [`crate::GraphClient`]; `Default` gives production values.
#[derive(Debug, Clone)]
pub struct GraphConfig {
    /// Time allowed for one HTTP request, connect to last body byte.
    pub request_timeout: Duration,
    /// Total time one call may spend retrying; a wait that would pass it is not started.
    pub retry_deadline: Duration,
    /// Maximum number of HTTP attempts for one call, the first included.
    pub max_attempts: u32,
    /// A cached token is replaced this long before it expires (at most half its lifetime).
    pub token_refresh_margin: Duration,
    /// `User-Agent` header sent on every request.
    pub user_agent: String,
}

impl Default for GraphConfig {
    fn default() -> Self {
        GraphConfig {
            request_timeout: Duration::from_secs(10),
            retry_deadline: Duration::from_secs(30),
            max_attempts: 6,
            token_refresh_margin: Duration::from_secs(5 * 60),
            user_agent: concat!("leasehold-graph/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}
