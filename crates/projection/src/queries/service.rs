//! Serving queries over NATS: one queue-group subscription, one task per request.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use futures::StreamExt;
use leasehold_bus::error_body;
use serde_json::json;
use tokio::sync::Semaphore;

use super::QueryService;

/// Queue group shared by every copy of the query service.
pub const QUEUE_GROUP: &str = "leasehold-query";

/// Requests answered at once by one service; more wait for a slot.
const MAX_IN_FLIGHT: usize = 64;

impl QueryService {
    /// Answers queries on `<prefix>.query.*.>` until `shutdown` resolves, then finishes
    /// the requests in flight.
    pub async fn run(
        self,
        client: async_nats::Client,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let mut requests = client
            .queue_subscribe(self.subjects.all_queries(), QUEUE_GROUP.to_string())
            .await
            .context("subscribe to queries")?;
        let service = Arc::new(self);
        let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
        tokio::pin!(shutdown);
        loop {
            let message = tokio::select! {
                _ = &mut shutdown => break,
                message = requests.next() => match message {
                    Some(message) => message,
                    None => break,
                },
            };
            let Some(reply) = message.reply.clone() else {
                tracing::debug!(subject = %message.subject, "query without a reply subject; ignored");
                continue;
            };
            let slot = Arc::clone(&slots)
                .acquire_owned()
                .await
                .context("query slots closed")?;
            let service = Arc::clone(&service);
            let client = client.clone();
            tokio::spawn(async move {
                let body = service
                    .answer_message(&message.subject, &message.payload)
                    .await;
                let max = client.server_info().max_payload;
                let body = if max > 0 && body.len() > max {
                    error_body(
                        "invalid_request",
                        "the result is larger than a NATS message may be; ask for a smaller limit",
                        &json!({ "bytes": body.len(), "max_payload": max }),
                    )
                } else {
                    body
                };
                if let Err(e) = client.publish(reply, body.into()).await {
                    tracing::warn!(error = %e, "could not send a query reply");
                }
                drop(slot);
            });
        }
        requests.unsubscribe().await.ok();
        // Wait for the requests in flight: every slot back means every task finished.
        let all = u32::try_from(MAX_IN_FLIGHT).unwrap_or(u32::MAX);
        let _drained = slots.acquire_many(all).await;
        client.flush().await.ok();
        Ok(())
    }

    async fn answer_message(&self, subject: &str, payload: &[u8]) -> Vec<u8> {
        match self.subjects.parse_request("query", subject) {
            Ok((actor, op)) => self.handle(actor, op, payload).await,
            Err(e) => error_body("invalid_request", &e.to_string(), &json!({})),
        }
    }
}
