//! Operations: the `<noun>.<verb>` tail of a request subject, parsed once into an enum
//! (like mini-redis' `Command::from_frame`). Services dispatch on [`Operation`]; nothing
//! else compares an operation name as a string.

use std::fmt;

use serde_json::{json, Value};

/// Which subject tree a request came on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tree {
    /// `<prefix>.cmd.<actor>.<op>`: changes.
    Command,
    /// `<prefix>.query.<actor>.<op>`: reads.
    Query,
}

impl Tree {
    /// The subject token naming the tree.
    pub fn token(self) -> &'static str {
        match self {
            Tree::Command => "cmd",
            Tree::Query => "query",
        }
    }
}

macro_rules! operations {
    ($($variant:ident = $name:literal in $tree:ident;)*) => {
        /// Every operation of the NATS API, in the order the docs list them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operation {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Operation {
            /// Every operation, commands first.
            pub const ALL: &'static [Operation] = &[$(Operation::$variant),*];

            /// The name on the wire, e.g. `lease.create`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Operation::$variant => $name,)*
                }
            }

            /// The subject tree the operation is served on.
            pub fn tree(self) -> Tree {
                match self {
                    $(Operation::$variant => Tree::$tree,)*
                }
            }
        }
    };
}

operations! {
    ConnectionCreate = "connection.create" in Command;
    ConnectionRotate = "connection.rotate" in Command;
    ConnectionDelete = "connection.delete" in Command;
    SecretCreate = "secret.create" in Command;
    SecretUpdate = "secret.update" in Command;
    SecretDelete = "secret.delete" in Command;
    LeaseCreate = "lease.create" in Command;
    LeaseRenew = "lease.renew" in Command;
    LeaseRevoke = "lease.revoke" in Command;
    ConnectionGet = "connection.get" in Query;
    ConnectionList = "connection.list" in Query;
    ConnectionCheck = "connection.check" in Query;
    SecretGet = "secret.get" in Query;
    SecretList = "secret.list" in Query;
    LeaseGet = "lease.get" in Query;
    LeaseList = "lease.list" in Query;
    UsersList = "users.list" in Query;
    AuditHistory = "audit.history" in Query;
    AuditAt = "audit.at" in Query;
    AuditExport = "audit.export" in Query;
    AuditVerify = "audit.verify" in Query;
    AuditAnchor = "audit.anchor" in Query;
}

impl Operation {
    /// The operations served on `tree`, in documented order.
    pub fn of(tree: Tree) -> impl Iterator<Item = Operation> {
        Self::ALL
            .iter()
            .copied()
            .filter(move |op| op.tree() == tree)
    }

    /// The names of the operations served on `tree`.
    pub fn names(tree: Tree) -> Vec<&'static str> {
        Self::of(tree).map(Operation::name).collect()
    }

    /// Parses the operation part of a subject on `tree` (`lease.create`).
    pub fn parse(tree: Tree, name: &str) -> Result<Operation, UnknownOperation> {
        Self::of(tree)
            .find(|op| op.name() == name)
            .ok_or_else(|| UnknownOperation {
                tree,
                given: name.to_string(),
            })
    }

    /// Whether this is an operation on leases (`lease.*`): the policy's lease rules and
    /// the CLI's explanations group them.
    pub fn is_lease(self) -> bool {
        matches!(
            self,
            Operation::LeaseCreate
                | Operation::LeaseRenew
                | Operation::LeaseRevoke
                | Operation::LeaseGet
                | Operation::LeaseList
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A subject whose operation part names no operation of its tree: answered
/// `invalid_request` with the valid operations in `details.valid_ops`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownOperation {
    tree: Tree,
    given: String,
}

impl UnknownOperation {
    /// The reply message, quoting (a clipped copy of) the name that was given.
    pub fn message(&self) -> String {
        let valid = Operation::names(self.tree).join(", ");
        match self.tree {
            Tree::Command => format!(
                "unknown command {:?}; valid: {valid}",
                self.given.chars().take(64).collect::<String>()
            ),
            Tree::Query => format!(
                "unknown query operation {:?}; valid operations: {valid}",
                self.given.chars().take(100).collect::<String>()
            ),
        }
    }

    /// The reply details: `{"valid_ops": [...]}`.
    pub fn details(&self) -> Value {
        json!({ "valid_ops": Operation::names(self.tree) })
    }
}

impl fmt::Display for UnknownOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for UnknownOperation {}

/// What a policy rule may grant: an operation, or one of the explicit powers over
/// leases that `lease.*` does not include.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Running an operation.
    Op(Operation),
    /// `lease.force_revoke`: closing a lease without Graph's confirmation.
    ForceRevoke,
    /// `lease.renew_any`: renewing leases other actors requested.
    RenewAny,
    /// `lease.revoke_any`: revoking leases other actors requested.
    RevokeAny,
    /// `lease.revoke_bulk`: revoking every live lease a selector names (administrators
    /// only; no policy rule grants it).
    RevokeBulk,
}

impl Permission {
    /// The powers a wildcard rule never grants: they must be named.
    pub const EXPLICIT: &'static [Permission] = &[
        Permission::ForceRevoke,
        Permission::RenewAny,
        Permission::RevokeAny,
    ];

    /// The policy pattern granting every lease operation (not the explicit powers).
    pub const ALL_LEASE_OPS: &'static str = "lease.*";

    /// The name policy rules use, e.g. `lease.create` or `lease.force_revoke`.
    pub fn name(self) -> &'static str {
        match self {
            Permission::Op(op) => op.name(),
            Permission::ForceRevoke => "lease.force_revoke",
            Permission::RenewAny => "lease.renew_any",
            Permission::RevokeAny => "lease.revoke_any",
            Permission::RevokeBulk => "lease.revoke_bulk",
        }
    }
}

impl From<Operation> for Permission {
    fn from(op: Operation) -> Self {
        Permission::Op(op)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_on_its_own_tree_only() {
        for op in Operation::ALL {
            assert_eq!(Operation::parse(op.tree(), op.name()), Ok(*op));
            let other = match op.tree() {
                Tree::Command => Tree::Query,
                Tree::Query => Tree::Command,
            };
            assert!(Operation::parse(other, op.name()).is_err(), "{op}");
        }
        assert_eq!(Operation::names(Tree::Command).len(), 9);
        assert_eq!(Operation::names(Tree::Query).len(), 13);
    }

    #[test]
    fn unknown_operations_keep_the_documented_messages() {
        let e = Operation::parse(Tree::Command, "lease.frobnicate").unwrap_err();
        assert!(e
            .message()
            .starts_with("unknown command \"lease.frobnicate\"; valid: connection.create, "));
        assert_eq!(e.details()["valid_ops"][6], "lease.create");
        let q = Operation::parse(Tree::Query, &"x".repeat(300)).unwrap_err();
        assert!(q.message().starts_with(&format!(
            "unknown query operation \"{}\"; valid operations: connection.get",
            "x".repeat(100)
        )));
    }
}
