//! What the grants of the token endpoint share: the parsed request, tenant resolution
//! and client authentication.

use crate::aad_error::AadError;
use crate::directory::{App, Directory};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

/// A parsed token request.
pub(crate) struct TokenRequest {
    pub tenant: String,
    pub form: HashMap<String, String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub now: DateTime<Utc>,
}

impl TokenRequest {
    pub fn param(&self, name: &str) -> Result<&str, AadError> {
        self.form
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| AadError::missing_parameter(name))
    }
}

/// Resolves a tenant-specific path segment; `common`-style aliases are the caller's job.
pub(crate) fn resolve_tenant(dir: &Directory, tenant: &str) -> Result<Uuid, AadError> {
    dir.tenant(tenant)
        .map(|t| t.id)
        .ok_or_else(|| AadError::unknown_tenant(tenant))
}

/// Whether the path segment is one of the multi-tenant aliases.
pub(crate) fn is_alias(tenant: &str) -> bool {
    ["common", "organizations", "consumers"]
        .iter()
        .any(|a| a.eq_ignore_ascii_case(tenant))
}

/// Looks the client up and authenticates it. `secret_required` is true for client
/// credentials; for user grants a secret is required only from confidential clients
/// (applications that have secrets).
pub(crate) fn authenticate_client(
    dir: &Directory,
    tenant_id: Uuid,
    request: &TokenRequest,
    secret_required: bool,
) -> Result<App, AadError> {
    let client_id = request
        .client_id
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AadError::missing_parameter("client_id"))?;
    let tenant = dir
        .tenant(&tenant_id.to_string())
        .ok_or_else(|| AadError::unknown_tenant(&request.tenant))?;
    let app = tenant
        .app(client_id)
        .ok_or_else(|| AadError::unknown_app(client_id, &request.tenant))?;
    let secrets = &app.seed.secrets;
    match request.client_secret.as_deref() {
        None if secret_required || !secrets.is_empty() => Err(AadError::missing_secret()),
        None => Ok(app.clone()),
        Some(given) => {
            let live =
                |s: &&crate::seed::ClientSecretSeed| s.expires_at.is_none_or(|at| at > request.now);
            match secrets.iter().find(|s| s.value == given) {
                Some(s) if live(&s) => Ok(app.clone()),
                Some(_) => Err(AadError::expired_secret(client_id)),
                None if !secrets.is_empty() && !secrets.iter().any(|s| live(&s)) => {
                    Err(AadError::expired_secret(client_id))
                }
                None => Err(AadError::wrong_secret(client_id)),
            }
        }
    }
}
