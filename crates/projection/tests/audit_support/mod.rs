//! The query service of the audit tests, with a policy of its own: `root` is an admin,
//! `siem` may run every audit op, `auditor` only histories of `ops-*`, `alice` only lease
//! operations.

#![allow(dead_code)] // each audit test binary uses a different part of this module

use std::sync::Arc;

use super::helpers::lifecycle::active_lease;
use super::helpers::query::{decode, Directory};
use super::helpers::{at, meta, world, World};
use leasehold_api::{Anchor, ExportPage, HistoryPage, HolderAt, Operation, Tree, VerifyReport};
use leasehold_bus::Subjects;
use leasehold_command::{Commands, Policy, Rule};
use leasehold_domain::{LeaseId, RevocationReason, Ttl};
use leasehold_projection::{rebuild, QueryService};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub struct Audit {
    pub w: World,
    service: QueryService,
}

/// `root` is an admin, `siem` may run every audit op, `auditor` only histories of
/// `ops-*`, `alice` only lease operations.
fn policy() -> Policy {
    let rule = |actor: &str, op: &str, secrets: &str| Rule {
        actors: vec![actor.into()],
        ops: vec![op.into()],
        secrets: vec![secrets.into()],
    };
    Policy {
        admins: vec!["root".into()],
        rules: vec![
            rule("siem", "audit.*", "*"),
            rule("auditor", "audit.history", "ops-*"),
            rule("alice", "lease.*", "ops-*"),
        ],
        delegates: Vec::new(),
        admin_roles: Vec::new(),
    }
}

pub async fn audit() -> Audit {
    let w = world().await;
    let commands = Arc::new(Commands::new(w.db.pool.clone(), w.commands.keys().clone()));
    let service = QueryService::new(
        w.db.pool.clone(),
        commands,
        Arc::new(Directory),
        policy(),
        Subjects::new("test").expect("prefix"),
    );
    Audit { w, service }
}

impl Audit {
    /// Every successful result is checked against the contract's type of `op` first.
    pub async fn ask(&self, actor: &str, op: &str, payload: Value) -> Result<Value, String> {
        let body = serde_json::to_vec(&payload).expect("json");
        let result = decode(&self.service.handle(actor, op, &body).await)
            .map_err(|c| c.as_str().to_string())?;
        matches_contract(op, &result);
        Ok(result)
    }

    pub async fn ok(&self, actor: &str, op: &str, payload: Value) -> Value {
        self.ask(actor, op, payload)
            .await
            .unwrap_or_else(|code| panic!("{actor} {op}: {code}"))
    }

    pub async fn code(&self, actor: &str, op: &str, payload: Value) -> String {
        match self.ask(actor, op, payload).await {
            Ok(v) => panic!("{actor} {op} should fail, got {v}"),
            Err(code) => code,
        }
    }

    pub async fn sql(&self, statement: &str) {
        sqlx::query(statement)
            .execute(&self.w.db.pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }

    /// Activated at 1 by alice (1h TTL), renewed at 10 by 2h (expires at 130), revoked
    /// by alice at 100 and confirmed at 101; projected.
    pub async fn renewed_then_revoked(&self) -> LeaseId {
        let id = active_lease(&self.w).await;
        let c = &self.w.commands;
        let two_hours = Some(Ttl::from_secs(7200).expect("ttl"));
        c.renew_lease(&id, two_hours, &meta("alice", at(10)))
            .await
            .expect("renew");
        c.revoke_lease(
            &id,
            RevocationReason::Manual,
            false,
            &meta("alice", at(100)),
        )
        .await
        .expect("revoke");
        c.confirm_revocation(&id, false, &meta("system:worker", at(101)))
            .await
            .expect("confirm");
        rebuild(&self.w.db.pool).await.expect("rebuild");
        id
    }
}

/// Decodes an audit result as the contract's type of `op` and encodes it again: it must
/// come out exactly as the engine sent it, so the type names every field the wire
/// carries (an unknown field is dropped, a missing or mistyped one fails to decode).
pub fn matches_contract(op: &str, result: &Value) {
    fn same<T: DeserializeOwned + Serialize>(op: &str, result: &Value) {
        let typed: T = serde_json::from_value(result.clone())
            .unwrap_or_else(|e| panic!("{op} does not decode as its contract type: {e}\n{result}"));
        let again = serde_json::to_value(&typed).expect("encode");
        assert_eq!(&again, result, "{op} differs from its contract type");
    }
    match Operation::parse(Tree::Query, op).expect("a query") {
        Operation::AuditHistory => same::<HistoryPage>(op, result),
        Operation::AuditAt => same::<HolderAt>(op, result),
        Operation::AuditExport => same::<ExportPage>(op, result),
        Operation::AuditVerify => same::<VerifyReport>(op, result),
        Operation::AuditAnchor => same::<Anchor>(op, result),
        _ => {}
    }
}
