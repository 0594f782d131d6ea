//! Pure folds from domain events to read-model rows, one file per aggregate.
//!
//! A fold never touches the database: the apply engine loads rows, folds events into
//! them and writes them back, so the same code serves the projector, re-folds after a
//! gap, and rebuilds.

mod connection;
mod lease;
mod secret;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::columns::Columns;
use crate::observe::Observation;

/// A read model fed by one aggregate type: its table, its key and how events change a row.
pub(crate) trait ReadModel:
    Columns + Clone + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The domain event type of the aggregate.
    type Event: DeserializeOwned + Send;
    /// The aggregate type as stored in `events.aggregate_type`.
    const AGGREGATE: &'static str;
    /// The read-model table.
    const TABLE: &'static str;
    /// Its primary-key column (holds the aggregate id).
    const KEY: &'static str;

    /// The row's key (the aggregate id).
    fn key(&self) -> &str;
    /// Sequence of the last event folded into the row.
    fn last_sequence(&self) -> i64;
    /// Records that the row now reflects events up to `sequence`.
    fn set_last_sequence(&mut self, sequence: i64);
    /// Folds one event into the row. Returns `None` only when there is no row and the
    /// event cannot start one (a log that does not begin with the creation event).
    fn fold(state: Option<Self>, event: Self::Event) -> Option<Self>;
    /// The lifecycle step `event` takes on the row as it is before the fold, for the
    /// live projector's counters; most events take none.
    fn observe(_state: Option<&Self>, _event: &Self::Event) -> Option<Observation> {
        None
    }
}
