//! leasehold's wire contract, as types: the operations of both subject trees (parsed
//! once from a subject), a request and a reply per operation, the closed list of error
//! codes, the views of connections, secrets and leases, and the public payloads of the
//! events. The JSON Schemas in `docs/schema/` and the HTTP API's OpenAPI document
//! (`docs/openapi.json`, from the routes of [`http::ROUTES`]) are generated from these
//! types (`cargo run -p leasehold-api --example schema`).
//!
//! Pure serde: no runtime, no I/O, no other leasehold crate. The domain depends on this
//! crate (for its error codes and the status, reason and cloud enums its events record),
//! never the other way, so a client needs nothing but this crate to speak to leasehold.

#![warn(missing_docs)]

mod audit;
mod error_code;
pub mod events;
mod health;
pub mod http;
pub mod openapi;
mod operation;
mod records;
mod replies;
mod reply;
mod requests;
pub mod schema;
mod ttl;
mod verify;
mod views;
mod vocabulary;

pub use audit::{Anchor, ExportPage, ExportedEvent, HistoryEntry, HistoryPage, Holder, HolderAt};
pub use error_code::{ErrorCode, UnknownCode};
pub use health::{ConnectionHealth, LeaseGraphError};
pub use operation::{Operation, Permission, Tree, UnknownOperation};
pub use records::{
    ActivityRecord, ConnectionRecord, LastError, LeaseRecord, LeaseRecordView, SecretRecord,
    SecretRecordView,
};
pub use replies::{
    ConnectionFound, CreateStatus, FailedUser, LeaseCreated, LeaseFound, LeaseRenewed,
    LeaseRevoked, Page, SecretFound, SecretsCreated, UserWarning, Users,
};
pub use reply::{ErrorBody, Reply};
pub use requests::{
    AuditAt, AuditExport, AuditHistory, AuditVerify, ByName, ConnectionCreate, ConnectionRotate,
    Empty, LeaseCreate, LeaseGet, LeaseList, LeaseRenew, LeaseRevoke, LogHead, Order, SecretCreate,
    SecretList, SecretUpdate, UsersList,
};
pub use ttl::TtlInput;
pub use verify::{ProblemKind, VerifyProblem, VerifyReport};
pub use views::{ConnectionView, Credential, DirectoryUser, LeaseView, SecretView};
pub use vocabulary::{Cloud, CredentialKind, LeaseStatus, RevocationReason, TapLifetimeBounds};
