//! Graph `/users` calls: list (every page), get, set password, revoke sessions.

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::classify::Operation;
use crate::client::{parse_body, GraphClient};
use crate::credentials::Credentials;
use crate::error::{ErrorKind, GraphError};

/// The only properties requested; everything else stays in Entra.
const SELECT: &str = "id,userPrincipalName,displayName,mail,accountEnabled";
/// Largest `$top` Graph accepts for users.
pub const MAX_PAGE_SIZE: u32 = 999;

/// An Entra user as leasehold needs it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Object id (a GUID); stable across renames.
    pub id: String,
    /// Sign-in name, e.g. `alice@contoso.onmicrosoft.com`.
    pub user_principal_name: String,
    /// Display name, if set.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Primary SMTP address, if any.
    #[serde(default)]
    pub mail: Option<String>,
    /// Whether sign-in is enabled, when Graph reports it.
    #[serde(default)]
    pub account_enabled: Option<bool>,
}

/// Which users [`GraphClient::list_users`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    /// Only users whose display name or UPN starts with this text.
    pub starts_with: Option<String>,
    /// Users per page (`$top`), clamped to 1..=999; fewer pages means fewer requests.
    pub page_size: u32,
}

impl Default for UserQuery {
    fn default() -> Self {
        UserQuery {
            starts_with: None,
            page_size: MAX_PAGE_SIZE,
        }
    }
}

#[derive(Deserialize)]
struct Page {
    value: Vec<User>,
    #[serde(default, rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// `startswith` on display name or UPN; single quotes doubled per OData.
fn starts_with_filter(prefix: &str) -> String {
    let quoted = prefix.replace('\'', "''");
    format!("startswith(displayName,'{quoted}') or startswith(userPrincipalName,'{quoted}')")
}

/// A user id or UPN must be one non-empty path segment.
pub(crate) fn checked_id(id: &str) -> Result<&str, GraphError> {
    if id.trim().is_empty() || id == "." || id == ".." {
        return Err(GraphError::new(
            ErrorKind::InvalidRequest,
            format!("{id:?} is not a user id or user principal name"),
        ));
    }
    Ok(id)
}

/// The bearer token goes only where the first page went: refuse a nextLink to another origin.
fn checked_next_link(first: &Url, next: &str) -> Result<Url, GraphError> {
    let unsafe_link = |why: String| GraphError::new(ErrorKind::UnexpectedResponse, why);
    let url = Url::parse(next).map_err(|e| unsafe_link(format!("bad @odata.nextLink: {e}")))?;
    if url.origin() != first.origin() {
        return Err(unsafe_link(format!(
            "@odata.nextLink points to another origin ({})",
            url.origin().ascii_serialization()
        )));
    }
    Ok(url)
}

impl GraphClient {
    /// Lists users matching `query`, following every `@odata.nextLink` to the last page.
    pub async fn list_users(
        &self,
        creds: &Credentials,
        query: &UserQuery,
    ) -> Result<Vec<User>, GraphError> {
        let first = {
            let mut url = self.graph_url(creds, &["users"])?;
            {
                let mut pairs = url.query_pairs_mut();
                pairs.append_pair("$select", SELECT);
                let top = query.page_size.clamp(1, MAX_PAGE_SIZE);
                pairs.append_pair("$top", &top.to_string());
                if let Some(prefix) = query.starts_with.as_deref().filter(|p| !p.is_empty()) {
                    pairs.append_pair("$filter", &starts_with_filter(prefix));
                }
            }
            url
        };
        let mut users = Vec::new();
        let mut url = first.clone();
        loop {
            let reply = self
                .graph(creds, Operation::Read, "list_users", |http| {
                    http.get(url.clone())
                })
                .await?;
            let page: Page = parse_body(&reply)?;
            users.extend(page.value);
            match page.next_link {
                Some(next) => url = checked_next_link(&first, &next)?,
                None => return Ok(users),
            }
        }
    }

    /// Reads one user by object id or user principal name.
    pub async fn get_user(&self, creds: &Credentials, id_or_upn: &str) -> Result<User, GraphError> {
        let mut url = self.graph_url(creds, &["users", checked_id(id_or_upn)?])?;
        url.query_pairs_mut().append_pair("$select", SELECT);
        let reply = self
            .graph(creds, Operation::Read, "get_user", |http| {
                http.get(url.clone())
            })
            .await?;
        parse_body(&reply)
    }

    /// Sets the user's password (no change required at next sign-in). A policy rejection is
    /// `ErrorKind::PasswordPolicy`; the password never appears in logs or errors.
    pub async fn set_password(
        &self,
        creds: &Credentials,
        user_id: &str,
        password: &SecretString,
    ) -> Result<(), GraphError> {
        let url = self.graph_url(creds, &["users", checked_id(user_id)?])?;
        let body = serde_json::json!({
            "passwordProfile": {
                "forceChangePasswordNextSignIn": false,
                "password": password.expose_secret(),
            }
        });
        self.graph(creds, Operation::SetPassword, "set_password", |http| {
            http.patch(url.clone()).json(&body)
        })
        .await?;
        Ok(())
    }

    /// Invalidates the user's refresh tokens and sessions; any 2xx is success (Graph
    /// documents 204 but answers 200 with a boolean).
    pub async fn revoke_sessions(
        &self,
        creds: &Credentials,
        user_id: &str,
    ) -> Result<(), GraphError> {
        let url = self.graph_url(
            creds,
            &["users", checked_id(user_id)?, "revokeSignInSessions"],
        )?;
        self.graph(creds, Operation::Write, "revoke_sessions", |http| {
            http.post(url.clone()).body(Vec::new())
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_quotes_single_quotes() {
        assert_eq!(
            starts_with_filter("o'b"),
            "startswith(displayName,'o''b') or startswith(userPrincipalName,'o''b')"
        );
    }

    #[test]
    fn next_link_must_stay_on_the_graph_origin() {
        let first = Url::parse("https://graph.microsoft.com/v1.0/users?$top=2").expect("url");
        assert!(checked_next_link(
            &first,
            "https://graph.microsoft.com/v1.0/users?$skiptoken=x"
        )
        .is_ok());
        let err =
            checked_next_link(&first, "https://evil.example/v1.0/users").expect_err("other host");
        assert_eq!(err.kind(), &ErrorKind::UnexpectedResponse);
        assert!(checked_next_link(&first, "http://graph.microsoft.com/v1.0/users").is_err());
    }

    #[test]
    fn ids_must_be_one_segment() {
        assert!(checked_id("").is_err());
        assert!(checked_id("..").is_err());
        assert!(checked_id("alice@contoso.onmicrosoft.com").is_ok());
    }

    #[test]
    fn user_deserialises_from_graph_json() {
        let u: User = serde_json::from_str(
            r#"{"id":"1","userPrincipalName":"a@b.c","displayName":null,"accountEnabled":true}"#,
        )
        .expect("user");
        assert_eq!(u.user_principal_name, "a@b.c");
        assert_eq!(u.display_name, None);
        assert_eq!(u.account_enabled, Some(true));
        assert_eq!(u.mail, None);
    }
}
