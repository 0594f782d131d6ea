//! leasehold's NATS contract, shared by every component: subject names, the event
//! envelope published on JetStream, the reply envelope, and the stream itself.

mod connect;
mod envelope;
mod reply;
mod reserved;
mod stream;
mod subjects;

pub use connect::{connect, connect_with_inbox, mask_password, BusError, LOG_DIRECTIVES};
pub use envelope::{EventMessage, HEADER_MSG_ID, HEADER_REQUEST_ID};
pub use reply::{error_body, ok_body, ReplyBody};
pub use reserved::{
    actor_inbox_prefix, check_prefix_reserved, is_reserved_actor, RESERVED_ACTORS, STRUCTURE_TOKENS,
};
pub use stream::{ensure_stream, StreamSettings};
pub use subjects::{SubjectError, Subjects, DEFAULT_PREFIX};
