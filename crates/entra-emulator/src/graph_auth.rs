//! Bearer-token validation and permission checks for Graph requests.

use crate::claims::{is_graph_resource, AccessClaims};
use crate::directory::{roles_may_manage, Directory};
use crate::graph_error::GraphError;
use crate::graph_layer::bearer;
use crate::jwt::JwtError;
use crate::shared::Shared;
use crate::user::User;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::sync::Arc;
use uuid::Uuid;

/// Graph permissions that allow reading users.
pub(crate) const READ_USERS: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "User.ReadBasic.All",
];
/// Graph permissions that allow resetting a password.
pub(crate) const RESET_PASSWORD: &[&str] = &[
    "User-PasswordProfile.ReadWrite.All",
    "User.ReadWrite.All",
    "Directory.AccessAsUser.All",
];
/// Graph permissions that allow revoking sign-in sessions.
pub(crate) const REVOKE_SESSIONS: &[&str] = &[
    "User.RevokeSessions.All",
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
    "Directory.AccessAsUser.All",
];
/// Graph permissions that allow other user updates.
pub(crate) const WRITE_USERS: &[&str] = &[
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
    "Directory.AccessAsUser.All",
];

/// An authenticated Graph caller.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub tenant_id: Uuid,
    pub app_id: Uuid,
    /// Application permissions (`roles`) or delegated scopes (`scp`).
    pub permissions: Vec<String>,
    /// The signed-in user for delegated tokens.
    pub user_id: Option<String>,
}

impl Caller {
    /// Fails with 403 unless the token carries one of `any_of`.
    pub fn require(&self, any_of: &[&str]) -> Result<(), GraphError> {
        let ok = self
            .permissions
            .iter()
            .any(|p| any_of.iter().any(|w| p.eq_ignore_ascii_case(w)));
        if ok {
            Ok(())
        } else {
            Err(GraphError::denied())
        }
    }

    /// Whether the caller's directory roles (the app's, or the signed-in user's) cover
    /// password reset / session revocation for `target`.
    pub fn may_manage(&self, dir: &Directory, target: &User) -> bool {
        let Some(tenant) = dir.tenant(&self.tenant_id.to_string()) else {
            return false;
        };
        let roles = match &self.user_id {
            Some(user) => tenant.user(user).map(|u| u.admin_roles.clone()),
            None => tenant
                .app(&self.app_id.to_string())
                .map(|a| a.seed.directory_roles.clone()),
        };
        roles.is_some_and(|r| roles_may_manage(&r, target))
    }
}

impl FromRequestParts<Arc<Shared>> for Caller {
    type Rejection = GraphError;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Caller, GraphError> {
        let base = &shared.base_url;
        let token = bearer(&parts.headers)
            .ok_or_else(|| GraphError::unauthenticated("Access token is empty.", base))?;
        let claims: AccessClaims = shared.signer.verify(token).map_err(|e| match e {
            JwtError::Malformed => GraphError::unauthenticated(
                "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format.",
                base,
            ),
            _ => GraphError::unauthenticated("Access token validation failure. Invalid signature.", base),
        })?;
        if claims.exp <= shared.clock.now().timestamp() {
            return Err(GraphError::unauthenticated(
                "Lifetime validation failed, the token is expired.",
                base,
            ));
        }
        if !is_graph_resource(base, &claims.aud) {
            return Err(GraphError::unauthenticated(
                "Access token validation failure. Invalid audience.",
                base,
            ));
        }
        let invalid = || GraphError::unauthenticated("Access token validation failure.", base);
        let tenant_id = Uuid::parse_str(&claims.tid).map_err(|_| invalid())?;
        let app_id = Uuid::parse_str(&claims.appid).map_err(|_| invalid())?;
        let delegated = claims.idtyp == "user";
        let permissions = if delegated {
            claims
                .scp
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect()
        } else {
            claims.roles
        };
        Ok(Caller {
            tenant_id,
            app_id,
            permissions,
            user_id: delegated.then_some(claims.oid),
        })
    }
}
