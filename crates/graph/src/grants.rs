//! What an application may do, as its access token says (`roles`: Graph application
//! permissions; `wids`: directory role template ids), and the directory roles of a user.
//! Read so that a connection or a dynamic secret that cannot work is named at creation,
//! not when its first lease fails.

use base64::Engine;
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::classify::Operation;
use crate::client::{parse_body, GraphClient};
use crate::credentials::Credentials;
use crate::error::{ErrorKind, GraphError};

/// Template ids of the built-in directory roles leasehold cares about.
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Privileged Authentication Administrator.
pub const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
/// User Administrator.
pub const USER_ADMINISTRATOR: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
/// Helpdesk Administrator.
pub const HELPDESK_ADMINISTRATOR: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
/// Authentication Administrator.
pub const AUTHENTICATION_ADMINISTRATOR: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";

/// Role template ids and names, for messages.
pub const ROLE_NAMES: &[(&str, &str)] = &[
    (GLOBAL_ADMINISTRATOR, "Global Administrator"),
    (
        PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
        "Privileged Authentication Administrator",
    ),
    (USER_ADMINISTRATOR, "User Administrator"),
    (HELPDESK_ADMINISTRATOR, "Helpdesk Administrator"),
    (AUTHENTICATION_ADMINISTRATOR, "Authentication Administrator"),
];

/// Roles that may reset passwords of users without a directory role.
pub const MANAGES_ORDINARY_USERS: &[&str] = &[
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
    USER_ADMINISTRATOR,
    HELPDESK_ADMINISTRATOR,
    AUTHENTICATION_ADMINISTRATOR,
];

/// Roles that may also reset passwords of users who hold a directory role.
pub const MANAGES_ADMINS: &[&str] = &[
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
];

/// What the application's access token grants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AppGrants {
    /// Graph application permissions (`roles`).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Directory role template ids (`wids`); `None` when the token does not say.
    #[serde(default)]
    pub wids: Option<Vec<String>>,
}

impl AppGrants {
    /// Whether the token carries one of `any_of` (case-insensitively).
    pub fn has_permission(&self, any_of: &[&str]) -> bool {
        self.roles
            .iter()
            .any(|r| any_of.iter().any(|w| r.eq_ignore_ascii_case(w)))
    }

    /// Whether the application holds one of the directory roles `any_of` (template
    /// ids); `None` when the token does not list roles.
    pub fn has_role(&self, any_of: &[&str]) -> Option<bool> {
        self.wids.as_ref().map(|wids| {
            wids.iter()
                .any(|w| any_of.iter().any(|r| w.eq_ignore_ascii_case(r)))
        })
    }
}

/// The name of a role template id (the id itself when unknown).
pub fn role_name(id: &str) -> &str {
    ROLE_NAMES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(id))
        .map_or(id, |(_, n)| n)
}

/// The payload of a JWT, without checking its signature: only for reading what the
/// identity platform granted to the token leasehold itself just received.
fn jwt_payload(token: &str) -> Option<AppGrants> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[derive(Deserialize)]
struct Roles {
    value: Vec<RoleEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleEntry {
    #[serde(default)]
    display_name: Option<String>,
}

impl GraphClient {
    /// Fetches a fresh token for `creds` (as [`GraphClient::verify`] does) and reads what
    /// it grants. A token that is not a readable JWT grants nothing readable: empty
    /// `roles`, no `wids`.
    pub async fn app_grants(&self, creds: &Credentials) -> Result<AppGrants, GraphError> {
        let token = self.fresh_token(creds).await?;
        Ok(jwt_payload(token.expose_secret()).unwrap_or_default())
    }

    /// The names of the directory roles `user_id` holds.
    pub async fn user_directory_roles(
        &self,
        creds: &Credentials,
        user_id: &str,
    ) -> Result<Vec<String>, GraphError> {
        if user_id.trim().is_empty() || user_id.contains('/') {
            return Err(GraphError::new(
                ErrorKind::InvalidRequest,
                format!("{user_id:?} is not a user id"),
            ));
        }
        let url = self.graph_url(
            creds,
            &[
                "users",
                user_id,
                "memberOf",
                "microsoft.graph.directoryRole",
            ],
        )?;
        let reply = self
            .graph(creds, Operation::Read, "user_directory_roles", |http| {
                http.get(url.clone())
            })
            .await?;
        let roles: Roles = parse_body(&reply)?;
        Ok(roles
            .value
            .into_iter()
            .filter_map(|r| r.display_name)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_are_read_from_the_token_payload() {
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            br#"{"roles":["User.Read.All"],"wids":["fe930be7-5e62-47db-91af-98c3a49a38b1"]}"#,
        );
        let grants = jwt_payload(&format!("e30.{body}.sig")).expect("payload");
        assert!(grants.has_permission(&["user.read.all"]));
        assert_eq!(grants.has_role(MANAGES_ORDINARY_USERS), Some(true));
        assert_eq!(grants.has_role(MANAGES_ADMINS), Some(false));
        assert_eq!(jwt_payload("opaque"), None);
        assert_eq!(role_name(USER_ADMINISTRATOR), "User Administrator");
    }
}
