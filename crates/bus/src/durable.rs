//! A durable pull consumer that re-attaches itself after the stream was lost.
//!
//! The event stream can disappear under a running engine (an operator deletes it, a
//! JetStream store is lost). A consumer handle kept from start-up then fails, or its
//! fetch never answers, forever. [`Durable`] bounds every fetch and, after a failure,
//! looks the stream up again and re-creates the consumer, so the worker and the
//! projector carry on once the relay has re-created the stream.

use std::time::Duration;

use async_nats::jetstream::consumer::{pull, PullConsumer};
use async_nats::jetstream::{self, Message};
use futures::StreamExt;
use tokio::sync::Mutex;

use crate::{ensure_stream, BusError, StreamSettings, Subjects};

/// How long a fetch may take beyond its own expiry before it counts as lost.
const FETCH_GRACE: Duration = Duration::from_secs(5);

/// How long a long-poll may outlast its expiry before it counts as lost: shorter than the
/// client's own timer (expiry + 5 s), which would end it silently instead.
const PULL_GRACE: Duration = Duration::from_secs(3);

/// One durable consumer of the event stream, attached on first use.
pub struct Durable {
    js: jetstream::Context,
    subjects: Subjects,
    config: pull::Config,
    current: Mutex<Option<PullConsumer>>,
}

impl Durable {
    /// A consumer named by `config.durable_name` on the event stream of `subjects`.
    pub fn new(js: jetstream::Context, subjects: Subjects, config: pull::Config) -> Self {
        Self {
            js,
            subjects,
            config,
            current: Mutex::new(None),
        }
    }

    fn name(&self) -> &str {
        self.config.durable_name.as_deref().unwrap_or("consumer")
    }

    /// The consumer, creating the stream (default settings) and the consumer if needed.
    pub async fn attach(&self) -> Result<PullConsumer, BusError> {
        let mut current = self.current.lock().await;
        if let Some(consumer) = current.as_ref() {
            return Ok(consumer.clone());
        }
        let stream = ensure_stream(&self.js, &self.subjects, &StreamSettings::default()).await?;
        let consumer = stream
            .get_or_create_consumer(self.name(), self.config.clone())
            .await
            .map_err(|e| BusError::JetStream(format!("consumer {}: {e}", self.name())))?;
        *current = Some(consumer.clone());
        Ok(consumer)
    }

    /// Forgets the consumer handle, so the next [`Durable::attach`] looks again.
    pub async fn detach(&self) {
        *self.current.lock().await = None;
    }

    /// Takes up to `max` messages: waits up to `wait` for the first one (`None`: only
    /// what is there now). A failure or an answer that never comes detaches, so the
    /// next call re-attaches.
    pub async fn fetch(
        &self,
        max: usize,
        wait: Option<Duration>,
    ) -> Result<Vec<Message>, BusError> {
        let consumer = self.attach().await?;
        let bound = wait.unwrap_or_default() + FETCH_GRACE;
        let taken = tokio::time::timeout(bound, take(&consumer, max, wait)).await;
        match taken {
            Ok(Ok(messages)) => Ok(messages),
            Ok(Err(e)) => {
                self.detach().await;
                Err(BusError::JetStream(format!(
                    "fetch from {}: {e}",
                    self.name()
                )))
            }
            Err(_) => {
                self.detach().await;
                Err(BusError::JetStream(format!(
                    "fetch from {} got no answer in {bound:?}; the stream may be gone",
                    self.name()
                )))
            }
        }
    }

    /// Asks for up to `max` messages and hands each to `each` as it arrives; the server
    /// holds the request open for `expires`, so a message published meanwhile is
    /// delivered at once instead of at the next poll. Returns how many arrived. A failure,
    /// or no end of the request within its expiry plus a grace, detaches (like
    /// [`Durable::fetch`]).
    pub async fn pull(
        &self,
        max: usize,
        expires: Duration,
        mut each: impl FnMut(Message),
    ) -> Result<usize, BusError> {
        let consumer = self.attach().await?;
        let deadline = tokio::time::Instant::now() + expires + PULL_GRACE;
        let pulled = async {
            let mut batch = consumer
                .batch()
                .max_messages(max)
                .expires(expires)
                .messages()
                .await?;
            let mut got = 0;
            loop {
                match tokio::time::timeout_at(deadline, batch.next()).await {
                    Ok(Some(message)) => {
                        each(message?);
                        got += 1;
                    }
                    Ok(None) => return Ok(Some(got)),
                    Err(_) => return Ok(None),
                }
            }
        };
        let pulled: Result<Option<usize>, async_nats::Error> = pulled.await;
        match pulled {
            Ok(Some(got)) => Ok(got),
            Ok(None) => {
                self.detach().await;
                Err(BusError::JetStream(format!(
                    "pull from {} did not end within {:?}; the stream may be gone",
                    self.name(),
                    expires + PULL_GRACE
                )))
            }
            Err(e) => {
                self.detach().await;
                Err(BusError::JetStream(format!(
                    "pull from {}: {e}",
                    self.name()
                )))
            }
        }
    }
}

async fn take(
    consumer: &PullConsumer,
    max: usize,
    wait: Option<Duration>,
) -> Result<Vec<Message>, async_nats::Error> {
    let mut batch = match wait {
        Some(wait) => {
            consumer
                .batch()
                .max_messages(max)
                .expires(wait)
                .messages()
                .await?
        }
        None => consumer.fetch().max_messages(max).messages().await?,
    };
    let mut messages = Vec::new();
    while let Some(message) = batch.next().await {
        messages.push(message?);
    }
    Ok(messages)
}
