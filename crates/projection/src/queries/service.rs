//! Serving queries over NATS through the shared request loop of `leasehold_bus::serve`.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use leasehold_bus::{error_body, RequestKind, ServeLoop};
use serde_json::json;

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
        let serve = ServeLoop {
            subjects: self.subjects.clone(),
            kind: RequestKind::Query,
            queue_group: QUEUE_GROUP,
            max_in_flight: MAX_IN_FLIGHT,
            handle_without_reply: false,
        };
        let service = Arc::new(self);
        serve
            .run(client, shutdown, move |message| {
                let service = Arc::clone(&service);
                async move {
                    service
                        .answer_message(&message.subject, &message.payload)
                        .await
                }
            })
            .await
            .context("subscribe to queries")?;
        Ok(())
    }

    async fn answer_message(&self, subject: &str, payload: &[u8]) -> Vec<u8> {
        match self.subjects.parse_request("query", subject) {
            Ok((actor, op)) => self.handle(actor, op, payload).await,
            Err(e) => error_body("invalid_request", &e.to_string(), &json!({})),
        }
    }
}
