//! The JetStream stream that carries every event.

use std::time::Duration;

use async_nats::jetstream::{self, stream};

use crate::{BusError, Subjects};

/// How the event stream is created.
#[derive(Clone, Debug)]
pub struct StreamSettings {
    /// Replicas (3 on a NATS cluster).
    pub replicas: usize,
    /// How long published events are kept in the stream (the event store keeps them
    /// forever; the stream only has to cover consumers' downtime).
    pub max_age: Duration,
    /// De-duplication window for `Nats-Msg-Id`.
    pub duplicate_window: Duration,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            replicas: 1,
            max_age: Duration::from_secs(7 * 24 * 3600),
            duplicate_window: Duration::from_secs(120),
        }
    }
}

/// Creates the stream if it does not exist and returns it.
pub async fn ensure_stream(
    js: &jetstream::Context,
    subjects: &Subjects,
    settings: &StreamSettings,
) -> Result<stream::Stream, BusError> {
    let config = stream::Config {
        name: subjects.stream_name(),
        subjects: vec![subjects.all_events()],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        num_replicas: settings.replicas,
        max_age: settings.max_age,
        duplicate_window: settings.duplicate_window,
        ..Default::default()
    };
    js.get_or_create_stream(config)
        .await
        .map_err(|e| BusError::JetStream(e.to_string()))
}
