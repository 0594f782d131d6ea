//! Serving queries over NATS through the shared front of `leasehold_command::service`.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;

use super::QueryService;

/// Queue group shared by every copy of the query service.
pub const QUEUE_GROUP: &str = "leasehold-query";

/// Requests answered at once by one service; more wait for a slot.
const MAX_IN_FLIGHT: usize = 64;

impl QueryService {
    /// Answers queries on `<prefix>.query.*.>` until `shutdown` resolves, then finishes
    /// the requests in flight. Replies go only to the requester's own inbox (see
    /// [`leasehold_bus::serve`]).
    pub async fn run(
        self,
        client: async_nats::Client,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let admission = self.admission.clone();
        admission
            .serve(Arc::new(self), client, QUEUE_GROUP, MAX_IN_FLIGHT, shutdown)
            .await
            .context("subscribe to queries")?;
        Ok(())
    }
}
