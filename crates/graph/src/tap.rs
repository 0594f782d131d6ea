//! Temporary Access Pass calls: the tenant's TAP policy, and a user's passes (create,
//! list, delete). A user holds one pass at most: Graph deletes the previous pass when a
//! new one is created, so a retried create leaves exactly one pass, the last one.

use secrecy::SecretString;
use serde::Deserialize;

use crate::classify::Operation;
use crate::client::{parse_body, GraphClient};
use crate::credentials::Credentials;
use crate::error::{ErrorKind, GraphError};
use crate::users::checked_id;

/// The tenant's Temporary Access Pass policy
/// (`policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TapPolicy {
    /// `enabled` or `disabled`.
    pub state: String,
    /// Lifetime of a pass created without one, minutes.
    pub default_lifetime_in_minutes: u32,
    /// Shortest lifetime a pass may have, minutes.
    pub minimum_lifetime_in_minutes: u32,
    /// Longest lifetime a pass may have, minutes.
    pub maximum_lifetime_in_minutes: u32,
    /// True when every pass in the tenant is one-time.
    #[serde(default)]
    pub is_usable_once: bool,
    /// Characters in a pass.
    #[serde(default)]
    pub default_length: Option<u32>,
}

impl TapPolicy {
    /// Whether the method is enabled in the tenant.
    pub fn is_enabled(&self) -> bool {
        self.state.eq_ignore_ascii_case("enabled")
    }
}

/// A pass as listed (the passcode itself is never returned by a list).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TapMethod {
    /// The pass's id.
    pub id: String,
    /// Whether the pass signs in now.
    #[serde(default)]
    pub is_usable: Option<bool>,
    /// Why (`EnabledByPolicy`, `Expired`, `OneTimeUsed`, `NotYetValid`, …).
    #[serde(default)]
    pub method_usability_reason: Option<String>,
    /// Lifetime, minutes.
    #[serde(default)]
    pub lifetime_in_minutes: Option<u32>,
}

impl TapMethod {
    /// True when Entra says the pass no longer signs in because its lifetime ended.
    pub fn is_expired(&self) -> bool {
        self.is_usable == Some(false)
            && self
                .method_usability_reason
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case("Expired"))
    }
}

/// A pass just created: its id and the passcode (returned only on creation).
#[derive(Debug)]
pub struct NewTap {
    /// The pass's id.
    pub id: String,
    /// The passcode.
    pub pass: SecretString,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    id: String,
    temporary_access_pass: Option<SecretString>,
}

#[derive(Deserialize)]
struct Methods {
    value: Vec<TapMethod>,
}

impl GraphClient {
    /// Reads the tenant's TAP policy (needs `Policy.Read.AuthenticationMethod`).
    pub async fn tap_policy(&self, creds: &Credentials) -> Result<TapPolicy, GraphError> {
        let url = self.graph_url(
            creds,
            &[
                "policies",
                "authenticationMethodsPolicy",
                "authenticationMethodConfigurations",
                "TemporaryAccessPass",
            ],
        )?;
        let reply = self
            .graph(creds, Operation::Read, "tap_policy", |http| {
                http.get(url.clone())
            })
            .await?;
        parse_body(&reply)
    }

    /// Creates a pass for `user_id` living `lifetime_minutes` from now (needs
    /// `UserAuthenticationMethod.ReadWrite.All`). Replaces any pass the user had, so a
    /// retry after a lost answer leaves one pass. A lifetime outside the tenant's policy
    /// is `ErrorKind::InvalidRequest`; the passcode never appears in logs or errors.
    pub async fn create_tap(
        &self,
        creds: &Credentials,
        user_id: &str,
        lifetime_minutes: u32,
        usable_once: bool,
    ) -> Result<NewTap, GraphError> {
        let url = self.graph_url(
            creds,
            &[
                "users",
                checked_id(user_id)?,
                "authentication",
                "temporaryAccessPassMethods",
            ],
        )?;
        let body = serde_json::json!({
            "lifetimeInMinutes": lifetime_minutes,
            "isUsableOnce": usable_once,
        });
        let reply = self
            .graph(creds, Operation::Write, "create_tap", |http| {
                http.post(url.clone()).json(&body)
            })
            .await?;
        let created: Created = parse_body(&reply)?;
        let pass = created.temporary_access_pass.ok_or_else(|| {
            GraphError::new(
                ErrorKind::UnexpectedResponse,
                "graph created a Temporary Access Pass but returned no passcode",
            )
            .with_status(reply.status)
            .with_request_id(reply.request_id.clone())
        })?;
        Ok(NewTap {
            id: created.id,
            pass,
        })
    }

    /// The passes of `user_id` (at most one, expired ones included).
    pub async fn list_taps(
        &self,
        creds: &Credentials,
        user_id: &str,
    ) -> Result<Vec<TapMethod>, GraphError> {
        let url = self.graph_url(
            creds,
            &[
                "users",
                checked_id(user_id)?,
                "authentication",
                "temporaryAccessPassMethods",
            ],
        )?;
        let reply = self
            .graph(creds, Operation::Read, "list_taps", |http| {
                http.get(url.clone())
            })
            .await?;
        Ok(parse_body::<Methods>(&reply)?.value)
    }

    /// Deletes pass `tap_id` of `user_id`; a pass already gone is `ErrorKind::NotFound`.
    pub async fn delete_tap(
        &self,
        creds: &Credentials,
        user_id: &str,
        tap_id: &str,
    ) -> Result<(), GraphError> {
        let url = self.graph_url(
            creds,
            &[
                "users",
                checked_id(user_id)?,
                "authentication",
                "temporaryAccessPassMethods",
                checked_id(tap_id)?,
            ],
        )?;
        self.graph(creds, Operation::Write, "delete_tap", |http| {
            http.delete(url.clone())
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_and_methods_deserialise_from_graph_json() {
        let policy: TapPolicy = serde_json::from_str(
            r##"{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
                "id":"TemporaryAccessPass","state":"enabled","defaultLifetimeInMinutes":60,
                "defaultLength":8,"minimumLifetimeInMinutes":60,"maximumLifetimeInMinutes":480,
                "isUsableOnce":false,"includeTargets":[]}"##,
        )
        .expect("policy");
        assert!(policy.is_enabled());
        assert_eq!(policy.maximum_lifetime_in_minutes, 480);
        let methods: Methods = serde_json::from_str(
            r#"{"value":[{"id":"6f19","temporaryAccessPass":null,"isUsable":false,
                "methodUsabilityReason":"Expired","lifetimeInMinutes":60}]}"#,
        )
        .expect("methods");
        assert!(methods.value[0].is_expired());
    }

    #[test]
    fn a_created_pass_keeps_its_passcode_out_of_debug_output() {
        let created: Created = serde_json::from_str(
            r#"{"id":"6f19","temporaryAccessPass":"+drkzqAD","lifetimeInMinutes":60}"#,
        )
        .expect("created");
        let tap = NewTap {
            id: created.id,
            pass: created.temporary_access_pass.expect("pass"),
        };
        assert!(!format!("{tap:?}").contains("drkzqAD"));
    }
}
