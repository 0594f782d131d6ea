//! The publishing window: batches sent to JetStream whose acks are still awaited.

use std::collections::VecDeque;

use async_nats::jetstream::context::PublishAckFuture;

/// Batches the relay keeps sent and unacknowledged at once: the next batch goes out while
/// the previous one's acks come back.
pub(crate) const WINDOW: usize = 4;

/// One sent batch: its outbox ids and its acks, in send order.
pub(crate) struct Sent {
    pub(crate) ids: Vec<i64>,
    pub(crate) acks: Vec<PublishAckFuture>,
}

/// The sent batches, oldest first.
#[derive(Default)]
pub(crate) struct Window {
    sent: VecDeque<Sent>,
}

impl Window {
    /// True while another batch may be sent.
    pub(crate) fn has_room(&self) -> bool {
        self.sent.len() < WINDOW
    }

    /// The outbox ids sent and not yet marked published.
    pub(crate) fn in_flight(&self) -> Vec<i64> {
        self.sent
            .iter()
            .flat_map(|s| s.ids.iter().copied())
            .collect()
    }

    pub(crate) fn push(&mut self, sent: Sent) {
        self.sent.push_back(sent);
    }

    /// The oldest batch, taken out of the window.
    pub(crate) fn oldest(&mut self) -> Option<Sent> {
        self.sent.pop_front()
    }

    /// Forgets every sent batch: their rows are unmarked, so they are sent again (and
    /// JetStream drops the duplicates by message id).
    pub(crate) fn clear(&mut self) {
        self.sent.clear();
    }
}
