//! What `secret.create` checks for a Temporary Access Pass secret: the application may
//! manage authentication methods, and the tenant's TAP policy (read from Graph now, as
//! the connection is verified for this kind) allows passes as asked. The policy's
//! lifetime bounds are kept with the secret; every TTL must fit them.

use leasehold_api::{CredentialKind as Kind, ErrorCode};
use leasehold_domain::{CredentialKind, TapBounds, Ttl};
use leasehold_graph::Credentials;
use serde_json::json;

use super::{app_checks, graph_error, CommandService};
use crate::CommandError;

/// Application permission that creates and deletes passes.
pub const MANAGE_METHODS: &[&str] = &["UserAuthenticationMethod.ReadWrite.All"];

/// The kind a request asked for, with what the tenant allows for it.
pub(crate) struct KindChoice {
    pub kind: CredentialKind,
    pub bounds: Option<TapBounds>,
    /// TTLs to use when the request names none (the policy's default and maximum).
    pub default_ttl: Option<Ttl>,
    pub max_ttl: Option<Ttl>,
}

impl CommandService {
    /// Resolves `credential_kind` and `usable_once` of a `secret.create`.
    pub(crate) async fn choose_kind(
        &self,
        creds: &Credentials,
        kind: Option<Kind>,
        usable_once: bool,
    ) -> Result<KindChoice, CommandError> {
        if kind.unwrap_or_default() == Kind::Password {
            if usable_once {
                return Err(CommandError::invalid_request(
                    "usable_once applies to credential_kind temporary_access_pass only",
                ));
            }
            return Ok(KindChoice {
                kind: CredentialKind::Password,
                bounds: None,
                default_ttl: None,
                max_ttl: None,
            });
        }
        let grants = self
            .graph
            .app_grants(creds)
            .await
            .map_err(|e| graph_error("the credentials were refused", &e))?;
        if !grants.has_permission(MANAGE_METHODS) {
            return Err(app_checks::lacking(
                &creds.client_id,
                &["Graph application permission UserAuthenticationMethod.ReadWrite.All".into()],
            ));
        }
        let policy = self.graph.tap_policy(creds).await.map_err(|e| {
            graph_error(
                "reading the tenant's Temporary Access Pass policy failed (the application \
                 needs Policy.Read.AuthenticationMethod)",
                &e,
            )
        })?;
        let refuse = |message: &str| {
            CommandError::new(
                ErrorCode::InvalidRequest,
                message,
                json!({ "credential_kind": Kind::TemporaryAccessPass }),
            )
        };
        if !policy.is_enabled() {
            return Err(refuse(
                "the Temporary Access Pass method is disabled in the tenant's authentication \
                 methods policy; enable it in Entra first",
            ));
        }
        if policy.is_usable_once && !usable_once {
            return Err(refuse(
                "the tenant's Temporary Access Pass policy allows one-time passes only; set \
                 usable_once",
            ));
        }
        let minutes = |m: u32| Ttl::from_secs(u64::from(m) * 60).ok();
        Ok(KindChoice {
            kind: CredentialKind::TemporaryAccessPass { usable_once },
            bounds: Some(TapBounds {
                min_minutes: policy.minimum_lifetime_in_minutes,
                max_minutes: policy.maximum_lifetime_in_minutes,
            }),
            default_ttl: minutes(policy.default_lifetime_in_minutes),
            max_ttl: minutes(policy.maximum_lifetime_in_minutes),
        })
    }
}
