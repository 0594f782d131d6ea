//! App credentials for one tenant, and the token-cache key derived from them.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;

use crate::cloud::CloudEndpoints;

/// Client-credentials of an Entra app registration in one tenant, in one cloud.
#[derive(Clone)]
pub struct Credentials {
    /// Directory (tenant) id or verified domain.
    pub tenant_id: String,
    /// Application (client) id.
    pub client_id: String,
    /// Client secret value; never logged, never part of an error.
    pub client_secret: SecretString,
    /// Which cloud the tenant lives in.
    pub cloud: CloudEndpoints,
}

impl Credentials {
    /// Bundles the four parts of a credential.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: SecretString,
        cloud: CloudEndpoints,
    ) -> Self {
        Credentials {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            client_secret,
            cloud,
        }
    }

    /// The token-cache key: a rotated secret gets its own entry, and the secret appears only
    /// as a SHA-256 digest.
    pub(crate) fn cache_key(&self) -> CacheKey {
        CacheKey {
            tenant_id: self.tenant_id.clone(),
            client_id: self.client_id.clone(),
            login_base: self.cloud.login_base().to_string(),
            scope_resource: self.cloud.scope_resource().to_string(),
            secret_sha256: Sha256::digest(self.client_secret.expose_secret().as_bytes()).into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("cloud", &self.cloud)
            .finish()
    }
}

/// Identifies one cached token: who asked, where, for what audience, with which secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    tenant_id: String,
    client_id: String,
    login_base: String,
    scope_resource: String,
    secret_sha256: [u8; 32],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(secret: &str) -> Credentials {
        Credentials::new(
            "tenant",
            "client",
            SecretString::from(secret.to_string()),
            CloudEndpoints::global(),
        )
    }

    #[test]
    fn debug_redacts_the_secret() {
        let text = format!("{:?}", creds("super-secret-value"));
        assert!(!text.contains("super-secret-value"));
        assert!(text.contains("REDACTED"));
    }

    #[test]
    fn rotated_secret_gets_its_own_key_without_holding_the_secret() {
        let a = creds("secret-one").cache_key();
        let b = creds("secret-two").cache_key();
        assert_ne!(a, b);
        assert_eq!(a, creds("secret-one").cache_key());
        assert!(!format!("{a:?}").contains("secret-one"));
    }
}
