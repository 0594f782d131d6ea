//! The request loop both services share: one queue-group subscription, one task per
//! request, and replies only into the requester's own inbox.
//!
//! The actor of a request is the token after `<prefix>.<kind>.`; NATS permissions let a
//! user publish only under its own name, so that token is authenticated. The reply
//! subject is not: it is whatever the requester wrote, and the engine's reply goes out
//! with the engine's rights. A reply aimed at `$JS.API.STREAM.PURGE.…` or at another
//! actor's command subject would make the engine do what the requester may not. So a
//! request is served only when its reply subject lies under `_INBOX_<actor>.`, the
//! prefix only that actor may subscribe to; anything else is dropped unanswered and
//! counted (a request without a reply subject is served and not answered).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_nats::{Client, Message};
use futures::StreamExt;
use leasehold_api::{ErrorCode, Tree};
use serde_json::json;
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::{
    actor_inbox_prefix, error_body, lease_id_in, record_lease_id, reply_payload, request_span,
    Subjects,
};

fn counter(tree: Tree) -> &'static AtomicU64 {
    match tree {
        Tree::Command => &DROPPED_COMMANDS,
        Tree::Query => &DROPPED_QUERIES,
    }
}

static DROPPED_COMMANDS: AtomicU64 = AtomicU64::new(0);
static DROPPED_QUERIES: AtomicU64 = AtomicU64::new(0);

/// Requests of `kind` this process dropped because their reply subject was not the
/// requester's inbox (for metrics and tests).
pub fn dropped_requests(tree: Tree) -> u64 {
    counter(tree).load(Ordering::Relaxed)
}

/// Whether `reply` lies in the inbox of the actor named by `subject`
/// (`<prefix>.<kind>.<actor>.…` → `_INBOX_<actor>.<something>`).
pub fn reply_allowed(subjects: &Subjects, kind: Tree, subject: &str, reply: &str) -> bool {
    let Some(actor) = subject
        .strip_prefix(subjects.prefix())
        .and_then(|r| r.strip_prefix('.'))
        .and_then(|r| r.strip_prefix(kind.token()))
        .and_then(|r| r.strip_prefix('.'))
        .and_then(|r| r.split('.').next())
        .filter(|a| !a.is_empty())
    else {
        return false;
    };
    let inbox = actor_inbox_prefix(actor);
    reply
        .strip_prefix(inbox.as_str())
        .and_then(|r| r.strip_prefix('.'))
        .is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .split('.')
                    .all(|t| !t.is_empty() && t != "*" && t != ">")
                && !rest.contains(char::is_whitespace)
        })
}

/// How the shared loop treats a request.
pub struct ServeLoop {
    /// Subject names.
    pub subjects: Subjects,
    /// Commands or queries.
    pub kind: Tree,
    /// Queue group shared by every copy of the service.
    pub queue_group: &'static str,
    /// Requests handled at once; more wait for a slot.
    pub max_in_flight: usize,
    /// Whether a request without a reply subject is still handled (commands: yes,
    /// their effect is the point; queries: no, nobody would read the answer).
    pub handle_without_reply: bool,
}

impl ServeLoop {
    /// Serves `<prefix>.<kind>.*.>` until `shutdown` resolves, then finishes the
    /// requests in flight. `handle` turns one request into its reply body.
    pub async fn run<H, F>(
        self,
        client: Client,
        shutdown: impl Future<Output = ()>,
        handle: H,
    ) -> Result<(), async_nats::SubscribeError>
    where
        H: Fn(Message) -> F + Send + Sync + 'static,
        F: Future<Output = Vec<u8>> + Send + 'static,
    {
        let wildcard = match self.kind {
            Tree::Command => self.subjects.all_commands(),
            Tree::Query => self.subjects.all_queries(),
        };
        let mut requests = client
            .queue_subscribe(wildcard, self.queue_group.to_string())
            .await?;
        let handle = Arc::new(handle);
        let slots = Arc::new(Semaphore::new(self.max_in_flight.max(1)));
        tokio::pin!(shutdown);
        loop {
            let message = tokio::select! {
                _ = &mut shutdown => break,
                message = requests.next() => match message {
                    Some(message) => message,
                    None => break,
                },
            };
            let reply = message.reply.clone();
            match &reply {
                Some(reply)
                    if !reply_allowed(&self.subjects, self.kind, &message.subject, reply) =>
                {
                    let dropped = counter(self.kind).fetch_add(1, Ordering::Relaxed) + 1;
                    // Subjects only: the payload may hold a secret. At `info` only the
                    // 1st, 2nd, 4th, 8th… drop, so a flood cannot flood the log too.
                    if dropped.is_power_of_two() {
                        tracing::info!(
                            kind = self.kind.token(),
                            subject = %truncated(&message.subject),
                            reply = %truncated(reply),
                            dropped_total = dropped,
                            "request dropped: its reply subject is not the requester's inbox"
                        );
                    } else {
                        tracing::debug!(
                            kind = self.kind.token(),
                            subject = %truncated(&message.subject),
                            reply = %truncated(reply),
                            "request dropped: its reply subject is not the requester's inbox"
                        );
                    }
                    continue;
                }
                None if !self.handle_without_reply => {
                    tracing::debug!(subject = %truncated(&message.subject),
                        "request without a reply subject; ignored");
                    continue;
                }
                _ => {}
            }
            let slot = tokio::select! {
                _ = &mut shutdown => break,
                slot = Arc::clone(&slots).acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
            };
            let handle = Arc::clone(&handle);
            let client = client.clone();
            let span = request_span(&self.subjects, self.kind, &message);
            let served = async move {
                // The lease the request names, else (once known) the one its reply reports.
                let named = lease_id_in(&message.payload);
                if let Some(id) = &named {
                    record_lease_id(&tracing::Span::current(), id);
                }
                let body = (*handle)(message).await;
                if named.is_none() {
                    if let Some(id) = lease_id_in(&body) {
                        record_lease_id(&tracing::Span::current(), &id);
                    }
                }
                tracing::debug!(bytes = body.len(), "request answered");
                if let Some(reply) = reply {
                    let body = fit(&client, body);
                    if let Err(e) = client.publish(reply, reply_payload(body)).await {
                        tracing::warn!(error = %e, "could not send a reply");
                    }
                }
                drop(slot);
            };
            tokio::spawn(served.instrument(span));
        }
        requests.unsubscribe().await.ok();
        // Every slot back means every request in flight is finished.
        let all = u32::try_from(self.max_in_flight.max(1)).unwrap_or(u32::MAX);
        let _drained = slots.acquire_many(all).await;
        client.flush().await.ok();
        Ok(())
    }
}

/// A reply larger than the server accepts becomes an error the requester can act on.
fn fit(client: &Client, body: Vec<u8>) -> Vec<u8> {
    let max = client.server_info().max_payload;
    if max > 0 && body.len() > max {
        error_body(
            ErrorCode::InvalidRequest,
            "the result is larger than a NATS message may be; ask for a smaller limit",
            &json!({ "bytes": body.len(), "max_payload": max }),
        )
    } else {
        body
    }
}

fn truncated(subject: &str) -> String {
    subject.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_requesters_inbox_may_be_replied_to() {
        let s = Subjects::new("leasehold").expect("prefix");
        let cmd = "leasehold.cmd.alice.lease.create";
        let ok = |reply: &str| reply_allowed(&s, Tree::Command, cmd, reply);
        assert!(ok("_INBOX_alice.abc"));
        assert!(ok("_INBOX_alice.abc.def"));
        for hostile in [
            "$JS.API.STREAM.PURGE.LEASEHOLD_EVENTS",
            "$JS.API.STREAM.DELETE.LEASEHOLD_EVENTS",
            "leasehold.cmd.admin.lease.revoke",
            "leasehold.evt.Lease.x.LeaseRevoked",
            "_INBOX_bob.x",
            "_INBOX.x",
            "_INBOX_alice",
            "_INBOX_alice.",
            "_INBOX_alice..x",
            "_INBOX_alice.*",
            "_INBOX_alice.>",
            "_INBOX_alicex.y",
            "_INBOX_ALICE.y",
            "",
        ] {
            assert!(!ok(hostile), "{hostile:?} was allowed");
        }
        assert!(!reply_allowed(&s, Tree::Query, cmd, "_INBOX_alice.abc"));
        assert!(reply_allowed(
            &s,
            Tree::Query,
            "leasehold.query.bob.lease.get",
            "_INBOX_bob.1"
        ));
    }
}
