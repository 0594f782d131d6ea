//! The query service of the audit tests, with a policy of its own: `root` is an admin,
//! `siem` may run every audit op, `auditor` only histories of `ops-*`, `alice` only lease
//! operations.

#![allow(dead_code)] // each audit test binary uses a different part of this module

use super::helpers::lifecycle::active_lease;
use super::helpers::query::{fixture_with, Fixture};
use leasehold_api::{Anchor, ExportPage, HistoryPage, HolderAt, Operation, Tree, VerifyReport};
use leasehold_command::Policy;
use leasehold_domain::LeaseId;
use leasehold_projection::rebuild;
use leasehold_testkit::lifecycle::{self, Step};
use leasehold_testkit::policy::{self as testkit, rule};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The query service of the audit tests: every successful result is checked against the
/// contract's type of its operation first.
pub type Audit = Fixture;

/// `root` is an admin, `siem` may run every audit op, `auditor` only histories of
/// `ops-*`, `alice` only lease operations.
fn policy() -> Policy {
    testkit::policy(
        &["root"],
        vec![
            rule(&["siem"], &["audit.*"], &["*"]),
            rule(&["auditor"], &["audit.history"], &["ops-*"]),
            rule(&["alice"], &["lease.*"], &["ops-*"]),
        ],
    )
}

pub async fn audit() -> Audit {
    fixture_with(policy(), Some(matches_contract)).await
}

impl Fixture {
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
        let steps = [
            (10, Step::Renew(7200)),
            (100, Step::Revoke),
            (101, Step::Confirm),
        ];
        lifecycle::drive(&self.w, &id, &steps).await;
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
