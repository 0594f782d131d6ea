//! Turning a stored or published event into a typed domain event, once, at the edge.

use leasehold_domain::{ConnectionEvent, LeaseEvent, SecretEvent};
use serde::Deserialize;
use serde_json::Value;

use crate::fold::ReadModel;
use crate::rows::{ConnectionRow, LeaseRow, SecretRow};

/// Why an event cannot be applied. Never carries payload content: payloads hold sealed
/// secrets, and serde messages would echo field values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The message is not an event envelope.
    #[error("not an event envelope")]
    Envelope,
    /// No read model knows this aggregate type.
    #[error("unknown aggregate type {0:?}")]
    UnknownAggregate(String),
    /// The payload is not the externally tagged form of `event_type`.
    #[error("{aggregate_type} event {event_type:?} does not match the event schema")]
    Payload {
        /// The aggregate type.
        aggregate_type: String,
        /// The event type named by the envelope.
        event_type: String,
    },
}

/// One event of aggregate `id`, at `sequence`.
pub(crate) struct Keyed<E> {
    pub id: String,
    pub sequence: i64,
    pub event: E,
}

/// Typed events of one batch, split by aggregate type, each list in arrival order.
#[derive(Default)]
pub(crate) struct Decoded {
    pub connections: Vec<Keyed<ConnectionEvent>>,
    pub secrets: Vec<Keyed<SecretEvent>>,
    pub leases: Vec<Keyed<LeaseEvent>>,
}

impl Decoded {
    /// Decodes one event and adds it to the batch.
    pub fn push(
        &mut self,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: i64,
        event_type: &str,
        payload: &Value,
    ) -> Result<(), DecodeError> {
        let id = aggregate_id.to_string();
        match aggregate_type {
            ConnectionRow::AGGREGATE => self.connections.push(Keyed {
                id,
                sequence,
                event: typed(aggregate_type, event_type, payload)?,
            }),
            SecretRow::AGGREGATE => self.secrets.push(Keyed {
                id,
                sequence,
                event: typed(aggregate_type, event_type, payload)?,
            }),
            LeaseRow::AGGREGATE => self.leases.push(Keyed {
                id,
                sequence,
                event: typed(aggregate_type, event_type, payload)?,
            }),
            other => return Err(DecodeError::UnknownAggregate(other.to_string())),
        }
        Ok(())
    }

    /// Number of events in the batch.
    pub fn len(&self) -> usize {
        self.connections.len() + self.secrets.len() + self.leases.len()
    }
}

/// Deserializes `payload` as the event `event_type` (its tag must say the same).
pub(crate) fn typed<E: for<'de> Deserialize<'de>>(
    aggregate_type: &str,
    event_type: &str,
    payload: &Value,
) -> Result<E, DecodeError> {
    let error = || DecodeError::Payload {
        aggregate_type: aggregate_type.to_string(),
        event_type: event_type.chars().take(100).collect(),
    };
    let tagged = payload
        .as_object()
        .is_some_and(|o| o.len() == 1 && o.contains_key(event_type));
    if !tagged {
        return Err(error());
    }
    E::deserialize(payload).map_err(|_| error())
}
