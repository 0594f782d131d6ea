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
///
/// The stream denies purge and message deletion: the event store is the record, but
/// the worker's revocations travel through this stream, and a purge would silently
/// drop them. An existing stream created without those flags is updated; if the
/// update is refused it is reported (logged) and used as it is.
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
        deny_delete: true,
        deny_purge: true,
        ..Default::default()
    };
    let mut stream = js
        .get_or_create_stream(config)
        .await
        .map_err(|e| BusError::JetStream(e.to_string()))?;
    let current = stream
        .info()
        .await
        .map_err(|e| BusError::JetStream(e.to_string()))?
        .config
        .clone();
    if !(current.deny_purge && current.deny_delete) {
        let hardened = stream::Config {
            deny_delete: true,
            deny_purge: true,
            ..current
        };
        match js.update_stream(hardened).await {
            Ok(_) => tracing::info!(
                stream = %subjects.stream_name(),
                "event stream now denies purge and message deletion"
            ),
            Err(e) => tracing::warn!(
                stream = %subjects.stream_name(),
                error = %e,
                "event stream allows purge or message deletion and could not be updated; \
                 set deny_purge and deny_delete on it (nats stream edit)"
            ),
        }
    }
    Ok(stream)
}
