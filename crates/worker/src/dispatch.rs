//! From a JetStream message to a handler and back to an ack or a delayed nak.

use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use leasehold_api::events::{AggregateType, LeaseEventType};
use leasehold_bus::EventMessage;
use leasehold_domain::LeaseId;
use tracing::{Instrument, Span};

use crate::effects::{Decision, Effects};
use crate::failure::backoff;

/// Which consumer a message came from. Revocations have no consumer: they are due in
/// PostgreSQL (see `due.rs`), so nothing in the stream can hold them up or lose them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lane {
    /// `worker-activations`: `LeaseRequested` only.
    Activations,
}

/// The work one event asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Work {
    Activate(LeaseId),
    Nothing,
}

/// What an event means for a lane. Malformed events are errors (acked and logged: no
/// redelivery can fix them).
pub(crate) fn work_of(lane: Lane, event: &EventMessage) -> Result<Work, String> {
    if AggregateType::parse(&event.aggregate_type) != Some(AggregateType::Lease) {
        return Ok(Work::Nothing);
    }
    let lease = || LeaseId::parse(&event.aggregate_id).map_err(|e| e.to_string());
    Ok(match (lane, LeaseEventType::parse(&event.event_type)) {
        (Lane::Activations, Some(LeaseEventType::LeaseRequested)) => Work::Activate(lease()?),
        _ => Work::Nothing,
    })
}

/// How handling one message ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Handled {
    /// Acked or nakked.
    Settled,
    /// Left unacknowledged on purpose (simulated crash).
    Abandoned,
}

impl Effects {
    /// Handles one message: decode, run the handler (sending progress acks meanwhile so a
    /// slow Graph call does not trigger a redelivery), then ack or nak with a delay.
    /// Infrastructure errors are logged and retried with backoff.
    pub(crate) async fn handle(&self, lane: Lane, msg: Message) -> anyhow::Result<Handled> {
        let event = serde_json::from_slice::<EventMessage>(&msg.payload).map_err(|e| e.to_string());
        let span = event
            .as_ref()
            .map_or_else(|_| Span::none(), leasehold_bus::event_span);
        let decision = match event.and_then(|event| work_of(lane, &event)) {
            Err(reason) => {
                tracing::error!(subject = %msg.subject, reason, "dropping a malformed event");
                Decision::Ack
            }
            Ok(Work::Nothing) => Decision::Ack,
            Ok(work) => {
                let run = self.run_work(work).instrument(span.clone());
                match with_progress(&msg, self.config.ack_wait / 3, run).await {
                    Ok(decision) => decision,
                    Err(e) => {
                        let delivered = msg.info().map(|i| i.delivered).unwrap_or(1);
                        let attempt = u32::try_from(delivered).unwrap_or(u32::MAX);
                        let delay = backoff(
                            attempt,
                            self.config.retry_base,
                            self.config.activation_retry_cap,
                        );
                        span.in_scope(|| {
                            tracing::warn!(?work, error = %format!("{e:#}"),
                                retry_in_ms = delay.as_millis() as u64, "handling failed; will retry");
                        });
                        Decision::Retry(delay)
                    }
                }
            }
        };
        let reply = match decision {
            Decision::Abandon => return Ok(Handled::Abandoned),
            Decision::Ack => msg.ack().await,
            Decision::Retry(delay) => msg.ack_with(AckKind::Nak(Some(delay))).await,
        };
        reply.map_err(|e| anyhow::anyhow!("acknowledging {}: {e}", msg.subject))?;
        Ok(Handled::Settled)
    }

    async fn run_work(&self, work: Work) -> anyhow::Result<Decision> {
        match work {
            Work::Activate(id) => self.activate(id).await,
            Work::Nothing => Ok(Decision::Ack),
        }
    }
}

/// Runs `work`, telling JetStream every `every` that the message is still being handled.
async fn with_progress<F: std::future::Future>(
    msg: &Message,
    every: Duration,
    work: F,
) -> F::Output {
    let every = every.max(Duration::from_millis(100));
    tokio::pin!(work);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = ticks.tick() => {
                if let Err(e) = msg.ack_with(AckKind::Progress).await {
                    tracing::debug!(error = %e, "progress ack failed");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(event_type: &str, body: serde_json::Value) -> EventMessage {
        EventMessage {
            v: 1,
            aggregate_type: "Lease".into(),
            aggregate_id: "0190b5a0-0000-7000-8000-000000000001".into(),
            sequence: 1,
            event_type: event_type.into(),
            event_version: "1".into(),
            payload: json!({ event_type: body }),
            metadata: json!({}),
            recorded_at: chrono::Utc::now(),
            global_position: 1,
        }
    }

    #[test]
    fn the_activation_lane_picks_lease_requests() {
        let requested = event("LeaseRequested", json!({}));
        assert!(matches!(
            work_of(Lane::Activations, &requested),
            Ok(Work::Activate(_))
        ));
        let revoking = event("LeaseRevocationRequested", json!({}));
        assert_eq!(work_of(Lane::Activations, &revoking), Ok(Work::Nothing));
    }

    #[test]
    fn malformed_events_are_errors() {
        let mut bad = event("LeaseRequested", json!({}));
        bad.aggregate_id = "not-a-uuid".into();
        assert!(work_of(Lane::Activations, &bad).is_err());
    }
}
