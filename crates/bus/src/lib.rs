//! leasehold's NATS contract, shared by every component: subject names, the event
//! envelope published on JetStream, the reply envelope, the stream itself, how to
//! connect as one identity, and the request loop that answers only the requester.

mod address;
mod connect;
mod durable;
mod envelope;
mod guard;
mod reply;
mod request;
mod reserved;
pub mod serve;
mod span;
mod stream;
mod subjects;

pub use address::{split_servers, Servers, UrlLogin};
pub use connect::{
    connect, connect_with_inbox, BusError, NatsEndpoint, NatsLogin, NatsTls, NATS_LOG_CAP,
    NATS_LOG_TARGET,
};
pub use durable::Durable;
pub use envelope::{
    EventMessage, HEADER_MSG_ID, HEADER_ON_BEHALF_OF, HEADER_ON_BEHALF_OF_ROLES, HEADER_REQUEST_ID,
};
pub use guard::{check_anonymous_refused, AnonymousAccess};
pub use leasehold_redact::mask_url;
pub use reply::{error_body, ok_body, reply_payload};
pub use request::{request_as, RequestError};
pub use reserved::{
    actor_inbox_prefix, check_prefix_reserved, is_reserved_actor, RESERVED_ACTORS, STRUCTURE_TOKENS,
};
pub use serve::{dropped_requests, reply_allowed, ServeLoop};
pub use span::{event_span, lease_id_in, record_lease_id, request_span};
pub use stream::{ensure_stream, StreamSettings};
pub use subjects::{SubjectError, Subjects, DEFAULT_PREFIX};
