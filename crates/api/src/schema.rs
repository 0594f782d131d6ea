//! The JSON Schemas of the contract, one document per request, reply and event payload,
//! written to `docs/schema/` by `cargo run -p leasehold-api --example schema`.

use schemars::{schema_for, Schema};

use crate::events::{ConnectionEventPayload, LeaseEventPayload, SecretEventPayload};
use crate::*;

/// Every schema document: `(file name, schema)`, in a stable order.
pub fn all() -> Vec<(String, Schema)> {
    let mut out: Vec<(String, Schema)> = Vec::new();
    let mut add = |name: &str, schema: Schema| out.push((format!("{name}.json"), schema));
    // Requests, by operation name.
    add("request.connection.create", schema_for!(ConnectionCreate));
    add("request.connection.rotate", schema_for!(ConnectionRotate));
    add("request.connection.delete", schema_for!(ByName));
    add("request.secret.create", schema_for!(SecretCreate));
    add("request.secret.update", schema_for!(SecretUpdate));
    add("request.secret.delete", schema_for!(ByName));
    add("request.lease.create", schema_for!(LeaseCreate));
    add("request.lease.renew", schema_for!(LeaseRenew));
    add("request.lease.revoke", schema_for!(LeaseRevoke));
    add("request.connection.get", schema_for!(ByName));
    add("request.connection.list", schema_for!(Empty));
    add("request.secret.get", schema_for!(ByName));
    add("request.secret.list", schema_for!(SecretList));
    add("request.lease.get", schema_for!(LeaseGet));
    add("request.lease.list", schema_for!(LeaseList));
    add("request.users.list", schema_for!(UsersList));
    // Replies, by operation name: the whole envelope, `ok` or `error`.
    add(
        "reply.connection.create",
        schema_for!(Reply<ConnectionView>),
    );
    add(
        "reply.connection.rotate",
        schema_for!(Reply<ConnectionView>),
    );
    add(
        "reply.connection.delete",
        schema_for!(Reply<ConnectionView>),
    );
    add("reply.secret.create", schema_for!(Reply<SecretsCreated>));
    add("reply.secret.update", schema_for!(Reply<SecretView>));
    add("reply.secret.delete", schema_for!(Reply<SecretView>));
    add("reply.lease.create", schema_for!(Reply<LeaseCreated>));
    add("reply.lease.renew", schema_for!(Reply<LeaseRenewed>));
    add("reply.lease.revoke", schema_for!(Reply<LeaseRevoked>));
    add("reply.connection.get", schema_for!(Reply<ConnectionFound>));
    add(
        "reply.connection.list",
        schema_for!(Reply<Page<ConnectionRecord>>),
    );
    add("reply.secret.get", schema_for!(Reply<SecretFound>));
    add(
        "reply.secret.list",
        schema_for!(Reply<Page<SecretRecordView>>),
    );
    add("reply.lease.get", schema_for!(Reply<LeaseFound>));
    add(
        "reply.lease.list",
        schema_for!(Reply<Page<LeaseRecordView>>),
    );
    add("reply.users.list", schema_for!(Reply<Users>));
    add("error", schema_for!(ErrorBody));
    // Event payloads, by aggregate.
    add("event.Lease", schema_for!(LeaseEventPayload));
    add("event.DynamicSecret", schema_for!(SecretEventPayload));
    add("event.Connection", schema_for!(ConnectionEventPayload));
    out
}

/// The file a schema is written to, as pretty JSON with a final newline.
pub fn render(schema: &Schema) -> String {
    serde_json::to_string_pretty(schema).unwrap_or_default() + "\n"
}
