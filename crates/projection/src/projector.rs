//! The projector: a durable JetStream pull consumer that keeps the read models.
//!
//! One step fetches a batch, applies it in one transaction and acks after the commit. A
//! crash before the ack means a redelivery, which the sequence check turns into a no-op.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy};
use async_nats::jetstream::{self, AckKind, Message};
use leasehold_bus::{Durable, EventMessage, Subjects};
use sqlx::PgPool;

use crate::apply::apply_observed;
use crate::decode::{DecodeError, Decoded};
use crate::observe;

/// Durable name of the projector's consumer; every projector copy shares it.
pub const CONSUMER_NAME: &str = "projection";

/// Messages fetched per step.
const DEFAULT_BATCH: usize = 256;

/// How long a failed batch waits before it is redelivered, and `run` before it retries.
const RETRY_DELAY: Duration = Duration::from_secs(1);

/// How long `run` waits for a message before looking again.
const IDLE_WAIT: Duration = Duration::from_secs(5);

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// This many messages were taken off the consumer (applied, skipped as duplicates,
    /// or terminated as malformed).
    Applied(usize),
    /// No message was waiting.
    Idle,
}

/// Keeps the read models up to date from the event stream.
pub struct Projector {
    pool: PgPool,
    consumer: Durable,
    batch: usize,
}

impl Projector {
    /// A projector over `pool` reading the stream of `subjects` (created with default
    /// settings if missing: wiring that wants other settings calls `ensure_stream` first).
    pub async fn new(
        pool: PgPool,
        js: &jetstream::Context,
        subjects: &Subjects,
    ) -> anyhow::Result<Self> {
        let config = pull::Config {
            durable_name: Some(CONSUMER_NAME.to_string()),
            description: Some("leasehold read models".to_string()),
            filter_subject: subjects.all_events(),
            deliver_policy: DeliverPolicy::All,
            ack_policy: AckPolicy::Explicit,
            ack_wait: Duration::from_secs(30),
            max_deliver: -1,
            ..Default::default()
        };
        let consumer = Durable::new(js.clone(), subjects.clone(), config);
        consumer.attach().await.context("projection consumer")?;
        Ok(Self {
            pool,
            consumer,
            batch: DEFAULT_BATCH,
        })
    }

    /// Fetches at most `batch` messages per step.
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Applies whatever is waiting (up to one batch) without waiting for more.
    pub async fn try_process_next(&mut self) -> anyhow::Result<Outcome> {
        let messages = self
            .consumer
            .fetch(self.batch, None)
            .await
            .context("fetch events")?;
        self.process(messages).await
    }

    /// Waits up to `wait` for at least one message, then applies it with whatever else
    /// is waiting. Used by `run` so an idle projector long-polls instead of sleeping.
    async fn wait_and_process(&mut self, wait: Duration) -> anyhow::Result<Outcome> {
        let first = self
            .consumer
            .fetch(1, Some(wait))
            .await
            .context("wait for events")?;
        let Outcome::Applied(n) = self.process(first).await? else {
            return Ok(Outcome::Idle);
        };
        match self.try_process_next().await? {
            Outcome::Applied(more) => Ok(Outcome::Applied(n + more)),
            Outcome::Idle => Ok(Outcome::Applied(n)),
        }
    }

    /// Decodes, applies in one transaction, then acks; malformed messages are terminated.
    async fn process(&mut self, messages: Vec<Message>) -> anyhow::Result<Outcome> {
        if messages.is_empty() {
            return Ok(Outcome::Idle);
        }
        let taken = messages.len();
        let mut batch = Decoded::default();
        let mut good = Vec::with_capacity(taken);
        for message in messages {
            match decode(&message, &mut batch) {
                Ok(()) => good.push(message),
                Err(e) => {
                    // Logged without payload: it may hold sealed secrets.
                    tracing::error!(subject = %message.subject, error = %e,
                        "malformed event message; terminated");
                    message
                        .ack_with(AckKind::Term)
                        .await
                        .map_err(|e| anyhow::anyhow!(e))
                        .context("terminate malformed event")?;
                }
            }
        }
        if batch.len() > 0 {
            if let Err(e) = self.apply(batch).await {
                // Hand the batch back now rather than after the ack wait, so it is
                // retried soon and in order once the database is back.
                for message in &good {
                    message.ack_with(AckKind::Nak(Some(RETRY_DELAY))).await.ok();
                }
                return Err(e);
            }
        }
        for message in &good {
            message
                .ack()
                .await
                .map_err(|e| anyhow::anyhow!(e))
                .context("ack event")?;
        }
        Ok(Outcome::Applied(taken))
    }

    async fn apply(&self, batch: Decoded) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await.context("begin projection")?;
        let (_, observed) = apply_observed(&mut tx, batch)
            .await
            .context("apply events")?;
        tx.commit().await.context("commit projection")?;
        observe::record(&observed);
        Ok(())
    }

    /// Runs until `shutdown` resolves. Errors are logged and retried after a pause:
    /// unacked messages come back, and applying them again is harmless.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        tokio::pin!(shutdown);
        loop {
            let step = tokio::select! {
                _ = &mut shutdown => return Ok(()),
                step = self.wait_and_process(IDLE_WAIT) => step,
            };
            if let Err(e) = step {
                tracing::warn!(error = %format!("{e:#}"), "projection step failed; retrying");
                tokio::select! {
                    _ = &mut shutdown => return Ok(()),
                    _ = tokio::time::sleep(RETRY_DELAY) => {}
                }
            }
        }
    }
}

/// Adds a message's event to `batch`, or says why it cannot be applied.
fn decode(message: &Message, batch: &mut Decoded) -> Result<(), DecodeError> {
    let event: EventMessage =
        serde_json::from_slice(&message.payload).map_err(|_| DecodeError::Envelope)?;
    batch.push(
        &event.aggregate_type,
        &event.aggregate_id,
        event.sequence,
        &event.event_type,
        &event.payload,
    )
}
