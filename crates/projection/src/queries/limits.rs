//! Per-actor request rate of the query service (`rate_limited`), with the same token
//! buckets as the command service.

use std::sync::Arc;

use leasehold_command::service::{RateLimit, RateLimiter};
use leasehold_command::CommandError;
use leasehold_domain::Actor;

use super::QueryService;

impl QueryService {
    /// The same service answering at most `limit` requests per actor (per process).
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate = Some(Arc::new(RateLimiter::new(limit)));
        self
    }

    /// Refuses reserved actor names and actors over their request rate.
    pub(super) fn admit(&self, actor: &Actor) -> Result<(), CommandError> {
        leasehold_command::service::refuse_reserved(actor)?;
        match &self.rate {
            Some(rate) => rate.check(actor.as_str()),
            None => Ok(()),
        }
    }
}
