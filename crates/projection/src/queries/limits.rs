//! Per-actor request rate of the query service (`rate_limited`), with the same token
//! buckets, checked by the same admission, as the command service.

use std::sync::Arc;

use leasehold_api::Tree;
use leasehold_command::service::{Admission, RateLimit, RateLimiter};

use super::QueryService;

impl QueryService {
    /// The same service answering at most `limit` requests per actor (per process).
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.admission = Admission::new(
            self.admission.subjects().clone(),
            Tree::Query,
            Arc::new(self.admission.policy().clone()),
            Some(Arc::new(RateLimiter::new(limit))),
        );
        self
    }
}
