//! A query service over a fresh world, with a test directory and policy.

use std::sync::Arc;

use async_trait::async_trait;
use leasehold_api::{ErrorCode, Reply};
use leasehold_bus::Subjects;
use leasehold_command::{CommandError, Commands, Policy};
use leasehold_domain::ConnectionName;
use leasehold_projection::{rebuild, DirectoryUser, QueryService, UserDirectory};
use leasehold_testkit::policy::{self as testkit, rule};
use serde_json::Value;

use super::{world, World};

/// A directory of three users for `contoso`; other connections do not exist.
pub struct Directory;

#[async_trait]
impl UserDirectory for Directory {
    async fn list_users(
        &self,
        connection: &ConnectionName,
        starts_with: Option<&str>,
    ) -> Result<Vec<DirectoryUser>, CommandError> {
        if connection.as_str() != "contoso" {
            return Err(CommandError::not_found("connection", connection.as_str()));
        }
        let users = ["alice", "albert", "bob"].map(|name| DirectoryUser {
            object_id: format!("{name}-id"),
            user_principal_name: format!("{name}@contoso.onmicrosoft.com"),
            display_name: Some(name.to_string()),
            mail: None,
            account_enabled: Some(true),
        });
        Ok(users
            .into_iter()
            .filter(|u| starts_with.is_none_or(|p| u.user_principal_name.starts_with(p)))
            .collect())
    }
}

/// `root` is an admin; alice and bob may lease and read `ops-*` secrets; `ops` may manage
/// connections and secrets, list users and leases.
pub fn policy() -> Policy {
    let ops = ["connection.*", "secret.*", "users.list", "lease.list"];
    testkit::policy(
        &["root"],
        vec![
            rule(&["alice", "bob"], &["lease.*", "secret.get"], &["ops-*"]),
            rule(&["ops"], &ops, &["*"]),
        ],
    )
}

pub struct Fixture {
    pub w: World,
    pub service: QueryService,
    /// Run on every successful result, with the operation's name.
    check: Option<fn(&str, &Value)>,
}

/// A query service over `w`'s database and command side, with the test [`Directory`].
pub fn service(w: &World, policy: Policy, subjects: Subjects) -> QueryService {
    let commands = Arc::new(Commands::new(w.db.pool.clone(), w.commands.keys().clone()));
    QueryService::new(
        w.db.pool.clone(),
        commands,
        Arc::new(Directory),
        policy,
        subjects,
    )
}

/// A fresh world and a query service over it with the test [`policy`].
pub async fn fixture() -> Fixture {
    fixture_with(policy(), None).await
}

/// A fresh world and a query service over it with `policy`; `check` (if any) sees every
/// successful result.
pub async fn fixture_with(policy: Policy, check: Option<fn(&str, &Value)>) -> Fixture {
    let w = world().await;
    let service = service(&w, policy, Subjects::new("test").expect("prefix"));
    Fixture { w, service, check }
}

impl Fixture {
    pub async fn ask(&self, actor: &str, op: &str, payload: Value) -> Result<Value, String> {
        let body = serde_json::to_vec(&payload).expect("json");
        let result = decode(&self.service.handle(actor, op, &body).await)
            .map_err(|c| c.as_str().to_string())?;
        if let Some(check) = self.check {
            check(op, &result);
        }
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

    pub async fn project(&self) {
        rebuild(&self.w.db.pool).await.expect("rebuild");
    }
}

pub fn decode(body: &[u8]) -> Result<Value, ErrorCode> {
    match serde_json::from_slice::<Reply<Value>>(body).expect("reply envelope") {
        Reply::Ok(v) => Ok(v),
        Reply::Error(e) => {
            assert!(!e.message.is_empty());
            Err(e.code)
        }
    }
}
