//! The JSON Schemas of the contract, one document per request, reply and event payload,
//! written to `docs/schema/` by `cargo run -p leasehold-api --example schema`. The
//! matches below are exhaustive: an operation cannot be added without its schemas.

use schemars::{schema_for, Schema};

use crate::events::{ConnectionEventPayload, LeaseEventPayload, SecretEventPayload};
use crate::*;

/// The schema of `op`'s request payload.
pub fn request(op: Operation) -> Schema {
    match op {
        Operation::ConnectionCreate => schema_for!(ConnectionCreate),
        Operation::ConnectionRotate => schema_for!(ConnectionRotate),
        Operation::ConnectionDelete
        | Operation::SecretDelete
        | Operation::ConnectionGet
        | Operation::ConnectionCheck
        | Operation::SecretGet => schema_for!(ByName),
        Operation::SecretCreate => schema_for!(SecretCreate),
        Operation::SecretUpdate => schema_for!(SecretUpdate),
        Operation::LeaseCreate => schema_for!(LeaseCreate),
        Operation::LeaseRenew => schema_for!(LeaseRenew),
        Operation::LeaseRevoke => schema_for!(LeaseRevoke),
        Operation::ConnectionList | Operation::AuditAnchor => schema_for!(Empty),
        Operation::SecretList => schema_for!(SecretList),
        Operation::LeaseGet => schema_for!(LeaseGet),
        Operation::LeaseList => schema_for!(LeaseList),
        Operation::UsersList => schema_for!(UsersList),
        Operation::AuditHistory => schema_for!(AuditHistory),
        Operation::AuditAt => schema_for!(AuditAt),
        Operation::AuditExport => schema_for!(AuditExport),
        Operation::AuditVerify => schema_for!(AuditVerify),
    }
}

/// The schema of `op`'s result: what `ok` carries, and the HTTP API's success body.
pub fn result(op: Operation) -> Schema {
    match op {
        Operation::ConnectionCreate | Operation::ConnectionRotate | Operation::ConnectionDelete => {
            schema_for!(ConnectionView)
        }
        Operation::SecretCreate => schema_for!(SecretsCreated),
        Operation::SecretUpdate | Operation::SecretDelete => schema_for!(SecretView),
        Operation::LeaseCreate => schema_for!(LeaseCreated),
        Operation::LeaseRenew => schema_for!(LeaseRenewed),
        Operation::LeaseRevoke => schema_for!(LeaseRevoked),
        Operation::ConnectionGet => schema_for!(ConnectionFound),
        Operation::ConnectionList => schema_for!(Page<ConnectionRecord>),
        Operation::ConnectionCheck => schema_for!(ConnectionHealth),
        Operation::SecretGet => schema_for!(SecretFound),
        Operation::SecretList => schema_for!(Page<SecretRecordView>),
        Operation::LeaseGet => schema_for!(LeaseFound),
        Operation::LeaseList => schema_for!(Page<LeaseRecordView>),
        Operation::UsersList => schema_for!(Users),
        Operation::AuditHistory => schema_for!(HistoryPage),
        Operation::AuditAt => schema_for!(HolderAt),
        Operation::AuditExport => schema_for!(ExportPage),
        Operation::AuditVerify => schema_for!(VerifyReport),
        Operation::AuditAnchor => schema_for!(Anchor),
    }
}

/// The schema of `op`'s reply: the whole envelope, `ok` or `error`.
pub fn reply(op: Operation) -> Schema {
    match op {
        Operation::ConnectionCreate | Operation::ConnectionRotate | Operation::ConnectionDelete => {
            schema_for!(Reply<ConnectionView>)
        }
        Operation::SecretCreate => schema_for!(Reply<SecretsCreated>),
        Operation::SecretUpdate | Operation::SecretDelete => schema_for!(Reply<SecretView>),
        Operation::LeaseCreate => schema_for!(Reply<LeaseCreated>),
        Operation::LeaseRenew => schema_for!(Reply<LeaseRenewed>),
        Operation::LeaseRevoke => schema_for!(Reply<LeaseRevoked>),
        Operation::ConnectionGet => schema_for!(Reply<ConnectionFound>),
        Operation::ConnectionList => schema_for!(Reply<Page<ConnectionRecord>>),
        Operation::ConnectionCheck => schema_for!(Reply<ConnectionHealth>),
        Operation::SecretGet => schema_for!(Reply<SecretFound>),
        Operation::SecretList => schema_for!(Reply<Page<SecretRecordView>>),
        Operation::LeaseGet => schema_for!(Reply<LeaseFound>),
        Operation::LeaseList => schema_for!(Reply<Page<LeaseRecordView>>),
        Operation::UsersList => schema_for!(Reply<Users>),
        Operation::AuditHistory => schema_for!(Reply<HistoryPage>),
        Operation::AuditAt => schema_for!(Reply<HolderAt>),
        Operation::AuditExport => schema_for!(Reply<ExportPage>),
        Operation::AuditVerify => schema_for!(Reply<VerifyReport>),
        Operation::AuditAnchor => schema_for!(Reply<Anchor>),
    }
}

/// Every schema document: `(file name, schema)`, in a stable order.
pub fn all() -> Vec<(String, Schema)> {
    let mut out = Vec::new();
    for op in Operation::ALL {
        out.push((format!("request.{op}.json"), request(*op)));
        out.push((format!("reply.{op}.json"), reply(*op)));
    }
    out.push(("error.json".to_string(), schema_for!(ErrorBody)));
    out.push((
        "event.Lease.json".to_string(),
        schema_for!(LeaseEventPayload),
    ));
    out.push((
        "event.DynamicSecret.json".to_string(),
        schema_for!(SecretEventPayload),
    ));
    out.push((
        "event.Connection.json".to_string(),
        schema_for!(ConnectionEventPayload),
    ));
    out
}

/// The file a schema is written to, as pretty JSON with a final newline.
pub fn render(schema: &Schema) -> String {
    serde_json::to_string_pretty(schema).unwrap_or_default() + "\n"
}
