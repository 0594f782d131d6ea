//! Checks that an application can do leasehold's work before it is relied on: at
//! `connection.create|rotate`, the Graph permissions and directory role its token
//! grants; at `secret.create`, whether a user's own directory role puts them out of the
//! application's reach (Entra lets only Privileged Authentication Administrators and
//! Global Administrators reset an administrator's password).

use leasehold_api::UserWarning;
use leasehold_graph::grants::role_name;
use leasehold_graph::{AppGrants, Credentials, MANAGES_ADMINS, MANAGES_ORDINARY_USERS};
use serde_json::json;

use super::CommandService;
use crate::CommandError;
use leasehold_api::ErrorCode;

/// Application permissions leasehold needs, each with the broader ones that also do.
const NEEDED: &[(&str, &[&str])] = &[
    (
        "User.Read.All",
        &[
            "User.Read.All",
            "User.ReadWrite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
        ],
    ),
    (
        "User-PasswordProfile.ReadWrite.All",
        &["User-PasswordProfile.ReadWrite.All", "User.ReadWrite.All"],
    ),
    (
        "User.RevokeSessions.All",
        &[
            "User.RevokeSessions.All",
            "User.ReadWrite.All",
            "Directory.ReadWrite.All",
        ],
    ),
];

/// What the application lacks, in words (empty: nothing), and what could not be told.
pub fn missing(grants: &AppGrants) -> (Vec<String>, Vec<String>) {
    let mut missing: Vec<String> = NEEDED
        .iter()
        .filter(|(_, any_of)| !grants.has_permission(any_of))
        .map(|(name, any_of)| {
            let others: Vec<&str> = any_of.iter().skip(1).copied().collect();
            format!(
                "Graph application permission {name} (or {})",
                others.join(", ")
            )
        })
        .collect();
    let mut unknown = Vec::new();
    let roles: Vec<&str> = MANAGES_ORDINARY_USERS
        .iter()
        .map(|r| role_name(r))
        .collect();
    match grants.has_role(MANAGES_ORDINARY_USERS) {
        Some(true) => {}
        Some(false) => missing.push(format!("directory role {}", roles.join(" or "))),
        None => unknown.push(format!(
            "the application's directory role could not be read from its token; it needs \
             {}",
            roles.join(" or ")
        )),
    }
    (missing, unknown)
}

/// `graph_error` naming everything the application lacks.
pub(crate) fn lacking(client_id: &str, missing: &[String]) -> CommandError {
    CommandError::new(
        ErrorCode::GraphError,
        format!(
            "application {client_id} lacks what leasehold needs: {}; grant it and give admin \
             consent (docs/azure-setup.md), or set skip_verify for a setup that cannot \
             reach Entra",
            missing.join("; ")
        ),
        json!({ "kind": "permission_denied", "missing": missing }),
    )
}

impl CommandService {
    /// A warning when user `upn` (object id `user_id`) holds a directory role that puts
    /// them out of the application's reach, or when that cannot be checked. `grants` is
    /// read from the application's token on first need.
    pub(crate) async fn directory_role_warning(
        &self,
        creds: &Credentials,
        user_id: &str,
        upn: &str,
        grants: &mut Option<AppGrants>,
    ) -> Option<UserWarning> {
        let roles = match self.graph.user_directory_roles(creds, user_id).await {
            Ok(roles) if roles.is_empty() => return None,
            Ok(roles) => roles,
            Err(e) => {
                return Some(UserWarning {
                    user: upn.to_string(),
                    directory_roles: Vec::new(),
                    message: format!(
                        "could not check whether {upn} holds a directory role ({}); an \
                         administrator's password can be reset only by an application \
                         that is Privileged Authentication Administrator or Global \
                         Administrator",
                        e.message()
                    ),
                })
            }
        };
        if grants.is_none() {
            *grants = self.graph.app_grants(creds).await.ok();
        }
        let app_may = grants.as_ref().and_then(|g| g.has_role(MANAGES_ADMINS));
        if app_may == Some(true) {
            return None;
        }
        let why = match app_may {
            Some(_) => "this connection's application is neither",
            None => "this connection's application may not be either",
        };
        let list = roles.join(", ");
        Some(UserWarning {
            user: upn.to_string(),
            directory_roles: roles,
            message: format!(
                "{upn} holds the directory role {}: only an application that is Privileged \
                 Authentication Administrator or Global Administrator can reset their \
                 password, and {why}, so leases on this secret will fail to activate",
                list
            ),
        })
    }
}
