//! In-process control of a running emulator, for tests and the admin API.

use crate::config::{FaultConfig, ThrottleConfig};
use crate::error::EmulatorError;
use crate::request_log::LoggedRequest;
use crate::seed::{AppSeed, UserSeed};
use crate::shared::{lock, Shared};
use crate::user::{password_hash, UserView};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

/// Cloneable access to a running emulator's directory, faults, throttle, clock and log.
#[derive(Clone)]
pub struct EmulatorHandle {
    pub(crate) shared: Arc<Shared>,
}

impl EmulatorHandle {
    /// The emulator's base URL (issuer host, Graph host).
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Every request answered so far, oldest first.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Forgets the request log.
    pub fn clear_request_log(&self) {
        lock(&self.shared.log).clear();
    }

    /// A user by id or UPN in a tenant given by id or domain.
    pub fn user(&self, tenant: &str, id_or_upn: &str) -> Option<UserView> {
        let dir = lock(&self.shared.directory);
        dir.tenant(tenant)?.user(id_or_upn).map(|u| u.view())
    }

    /// All users of a tenant in listing order (empty for an unknown tenant).
    pub fn users(&self, tenant: &str) -> Vec<UserView> {
        let dir = lock(&self.shared.directory);
        dir.tenant(tenant)
            .map(|t| t.users.values().map(|u| u.view()).collect())
            .unwrap_or_default()
    }

    /// Whether `password` is the user's current password (ignoring replication lag).
    pub fn password_matches(&self, tenant: &str, id_or_upn: &str, password: &str) -> Option<bool> {
        self.user(tenant, id_or_upn)
            .map(|u| u.password_hash.as_deref() == Some(password_hash(password).as_str()))
    }

    /// Current fault settings.
    pub fn faults(&self) -> FaultConfig {
        lock(&self.shared.faults).clone()
    }

    /// Replaces the fault settings.
    pub fn set_faults(&self, faults: FaultConfig) {
        *lock(&self.shared.faults) = faults;
    }

    /// Current write limits.
    pub fn throttle(&self) -> ThrottleConfig {
        lock(&self.shared.throttle).config().clone()
    }

    /// Current replication lag.
    pub fn replication_lag(&self) -> Duration {
        self.shared.replication_lag()
    }

    /// Replaces the write limits; all buckets start full.
    pub fn set_throttle(&self, throttle: ThrottleConfig) {
        lock(&self.shared.throttle).set_config(throttle);
    }

    /// Sets how long new passwords take to work for sign-in.
    pub fn set_replication_lag(&self, lag: Duration) {
        *lock(&self.shared.replication_lag) = lag;
    }

    /// Current emulated time.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// Moves emulated time forward: expires tokens, lets lag pass, refills buckets.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Adds a user to a tenant.
    pub fn add_user(&self, tenant: &str, user: UserSeed) -> Result<UserView, EmulatorError> {
        let now = self.shared.clock.now();
        let mut dir = lock(&self.shared.directory);
        dir.require_tenant(tenant)?
            .add_user(&user, now)
            .map(|u| u.view())
    }

    /// Registers an application in a tenant.
    pub fn add_app(&self, tenant: &str, app: AppSeed) -> Result<(), EmulatorError> {
        let mut dir = lock(&self.shared.directory);
        dir.require_tenant(tenant)?.add_app(app)
    }

    /// Enables or disables a user's sign-in.
    pub fn set_user_enabled(
        &self,
        tenant: &str,
        id_or_upn: &str,
        enabled: bool,
    ) -> Result<(), EmulatorError> {
        let mut dir = lock(&self.shared.directory);
        let user = dir
            .require_tenant(tenant)?
            .user_mut(id_or_upn)
            .ok_or_else(|| EmulatorError::UnknownUser(id_or_upn.to_string()))?;
        user.account_enabled = enabled;
        Ok(())
    }

    /// The tenant's Temporary Access Pass policy.
    pub fn tap_policy(&self, tenant: &str) -> Result<crate::TapPolicy, EmulatorError> {
        let mut dir = lock(&self.shared.directory);
        Ok(dir.require_tenant(tenant)?.tap_policy)
    }

    /// Replaces the tenant's Temporary Access Pass policy (as an administrator would in
    /// the Entra admin center); inconsistent settings are refused.
    pub fn set_tap_policy(
        &self,
        tenant: &str,
        policy: crate::TapPolicy,
    ) -> Result<(), EmulatorError> {
        if !policy.is_valid() {
            return Err(EmulatorError::InvalidTapPolicy);
        }
        let mut dir = lock(&self.shared.directory);
        dir.require_tenant(tenant)?.tap_policy = policy;
        Ok(())
    }

    /// Whether the user holds a Temporary Access Pass (usable or not), and when it ends.
    pub fn tap_expires_at(&self, tenant: &str, id_or_upn: &str) -> Option<DateTime<Utc>> {
        let dir = lock(&self.shared.directory);
        let user = dir.tenant(tenant)?.user(id_or_upn)?;
        user.tap.as_ref().map(|t| t.expires_at())
    }

    /// Whether `pass` is the user's Temporary Access Pass (usable or not); `None` when the
    /// user is unknown or holds no pass.
    pub fn tap_matches(&self, tenant: &str, id_or_upn: &str, pass: &str) -> Option<bool> {
        let dir = lock(&self.shared.directory);
        let user = dir.tenant(tenant)?.user(id_or_upn)?;
        user.tap.as_ref().map(|t| t.matches(pass))
    }

    /// Deletes a user (as if removed from the directory outside leasehold).
    pub fn delete_user(&self, tenant: &str, id_or_upn: &str) -> Result<(), EmulatorError> {
        let mut dir = lock(&self.shared.directory);
        dir.require_tenant(tenant)?.delete_user(id_or_upn)
    }

    /// Ids of the published token-signing keys, the signing key first.
    pub fn signing_key_ids(&self) -> Vec<String> {
        self.shared.signer.key_ids()
    }

    /// Starts signing with a fresh key; the old ones stay published until retired.
    pub fn rotate_signing_key(&self) -> Result<String, EmulatorError> {
        Ok(self.shared.signer.rotate()?)
    }

    /// Stops publishing and accepting a key that no longer signs.
    pub fn retire_signing_key(&self, kid: &str) -> Result<(), EmulatorError> {
        Ok(self.shared.signer.retire(kid)?)
    }

    /// Signs arbitrary claims with the current key: for tests of resource servers that
    /// need tokens the token endpoint never issues (expired, other audience, …).
    pub fn sign_token(&self, claims: &serde_json::Value) -> String {
        self.shared.signer.sign(claims)
    }
}
