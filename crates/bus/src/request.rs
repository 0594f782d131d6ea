//! Asking as one actor: the reply comes back on `_INBOX_<actor>.<unique>`, the only
//! reply subject the services answer (see [`crate::serve`]).

use std::time::Duration;

use async_nats::{Client, HeaderMap, Message, StatusCode};
use bytes::Bytes;
use futures::StreamExt;

use crate::actor_inbox_prefix;

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Nobody serves the subject.
    #[error("no responders")]
    NoResponders,
    /// No answer within the timeout.
    #[error("timed out after {0:?}")]
    TimedOut(Duration),
    /// NATS refused the subscription or the publish.
    #[error("{0}")]
    Nats(String),
}

/// Sends `payload` on `subject` with the reply subject in `actor`'s own inbox, and
/// waits up to `timeout` for the answer. Works whatever inbox prefix `client` was
/// connected with (the engine's own connection in tests and the demo).
pub async fn request_as(
    client: &Client,
    actor: &str,
    subject: String,
    headers: Option<HeaderMap>,
    payload: Bytes,
    timeout: Duration,
) -> Result<Message, RequestError> {
    let unique = client
        .new_inbox()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string();
    let inbox = format!("{}.{unique}", actor_inbox_prefix(actor));
    let mut replies = client
        .subscribe(inbox.clone())
        .await
        .map_err(|e| RequestError::Nats(e.to_string()))?;
    let sent = match headers {
        Some(headers) => {
            client
                .publish_with_reply_and_headers(subject, inbox, headers, payload)
                .await
        }
        None => client.publish_with_reply(subject, inbox, payload).await,
    };
    sent.map_err(|e| RequestError::Nats(e.to_string()))?;
    let answer = tokio::time::timeout(timeout, replies.next()).await;
    replies.unsubscribe().await.ok();
    match answer {
        Err(_) => Err(RequestError::TimedOut(timeout)),
        Ok(None) => Err(RequestError::Nats("subscription closed".into())),
        Ok(Some(m)) if m.status == Some(StatusCode::NO_RESPONDERS) => {
            Err(RequestError::NoResponders)
        }
        Ok(Some(m)) => Ok(m),
    }
}
