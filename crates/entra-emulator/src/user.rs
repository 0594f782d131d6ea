//! A directory user: identity, password state, sign-in sessions and smart lockout.

use crate::clock::delta;
pub use crate::secret_hash::password_hash;
use crate::seed::UserSeed;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::time::Duration;
use uuid::Uuid;

/// Consecutive failed sign-ins after which smart lockout answers AADSTS50053.
pub const LOCKOUT_THRESHOLD: u32 = 10;

/// A user as stored by the emulator.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: Uuid,
    pub upn: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub account_enabled: bool,
    pub admin_roles: Vec<String>,
    pub created: DateTime<Utc>,
    pub password_hash: Option<String>,
    /// The hash that still signs in while a recent change replicates.
    pub previous_password_hash: Option<String>,
    pub last_password_change: DateTime<Utc>,
    pub sign_in_sessions_valid_from: DateTime<Utc>,
    pub force_change_password: bool,
    pub failed_sign_ins: u32,
    /// Set by a password change; replication lag counts from here.
    changed_via_graph: bool,
    /// The user's Temporary Access Pass, if one was created (kept after it expires).
    pub tap: Option<crate::tap_policy::UserTap>,
}

/// Read-only snapshot of a user for tests and the admin API. Never holds the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserView {
    /// Object id.
    pub id: Uuid,
    /// Sign-in name.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: String,
    /// Mail address.
    pub mail: Option<String>,
    /// Whether the account may sign in.
    pub account_enabled: bool,
    /// SHA-256 hex of the current password, if one is set.
    pub password_hash: Option<String>,
    /// When the password was last set (`lastPasswordChangeDateTime`).
    pub last_password_change: DateTime<Utc>,
    /// Refresh tokens issued before this are rejected (`signInSessionsValidFromDateTime`).
    pub sign_in_sessions_valid_from: DateTime<Utc>,
    /// Directory roles held; non-empty means an admin target.
    pub admin_roles: Vec<String>,
    /// Whether the last reset asked for a change at next sign-in (then ROPC gets 50055).
    pub force_change_password_next_sign_in: bool,
    /// Consecutive failed password sign-ins.
    pub failed_sign_ins: u32,
    /// Whether smart lockout currently blocks sign-in.
    pub locked_out: bool,
    /// When the user was created.
    pub created: DateTime<Utc>,
}

/// Outcome of checking a password at sign-in.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PasswordCheck {
    Ok,
    Wrong,
    Locked,
}

impl User {
    pub fn from_seed(tenant: Uuid, seed: &UserSeed, now: DateTime<Utc>) -> User {
        User {
            id: seed
                .id
                .unwrap_or_else(|| crate::seed::derived_user_id(tenant, &seed.user_principal_name)),
            upn: seed.user_principal_name.clone(),
            display_name: seed.display_name.clone(),
            mail: seed.mail.clone(),
            account_enabled: seed.account_enabled,
            admin_roles: seed.admin_roles.clone(),
            created: now,
            password_hash: seed.password.as_deref().map(password_hash),
            previous_password_hash: None,
            last_password_change: now,
            sign_in_sessions_valid_from: now,
            force_change_password: false,
            failed_sign_ins: 0,
            changed_via_graph: false,
            tap: None,
        }
    }

    pub fn is_admin(&self) -> bool {
        !self.admin_roles.is_empty()
    }

    pub fn locked_out(&self) -> bool {
        self.failed_sign_ins >= LOCKOUT_THRESHOLD
    }

    /// Sets a new password: it signs in only after `lag`; clears lockout; refresh tokens
    /// issued earlier stop working.
    pub fn set_password(&mut self, password: &str, force_change: bool, now: DateTime<Utc>) {
        self.previous_password_hash = self.effective_hash_at(now, Duration::ZERO).cloned();
        self.password_hash = Some(password_hash(password));
        self.last_password_change = now;
        self.force_change_password = force_change;
        self.failed_sign_ins = 0;
        self.changed_via_graph = true;
    }

    fn effective_hash_at(&self, now: DateTime<Utc>, lag: Duration) -> Option<&String> {
        if self.changed_via_graph && now < self.last_password_change + delta(lag) {
            self.previous_password_hash.as_ref()
        } else {
            self.password_hash.as_ref()
        }
    }

    /// Checks a sign-in password against what has replicated by `now`, counting failures.
    pub fn check_password(
        &mut self,
        password: &str,
        now: DateTime<Utc>,
        lag: Duration,
    ) -> PasswordCheck {
        if self.locked_out() {
            return PasswordCheck::Locked;
        }
        let given = password_hash(password);
        if self.effective_hash_at(now, lag) == Some(&given) {
            self.failed_sign_ins = 0;
            PasswordCheck::Ok
        } else {
            self.failed_sign_ins += 1;
            PasswordCheck::Wrong
        }
    }

    /// The moment before which refresh tokens are invalid.
    pub fn tokens_valid_from(&self) -> DateTime<Utc> {
        self.last_password_change
            .max(self.sign_in_sessions_valid_from)
    }

    pub fn view(&self) -> UserView {
        UserView {
            id: self.id,
            user_principal_name: self.upn.clone(),
            display_name: self.display_name.clone(),
            mail: self.mail.clone(),
            account_enabled: self.account_enabled,
            password_hash: self.password_hash.clone(),
            last_password_change: self.last_password_change,
            sign_in_sessions_valid_from: self.sign_in_sessions_valid_from,
            admin_roles: self.admin_roles.clone(),
            force_change_password_next_sign_in: self.force_change_password,
            failed_sign_ins: self.failed_sign_ins,
            locked_out: self.locked_out(),
            created: self.created,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        let seed = UserSeed::new("a", "x.test", "A", Some("Old-Passw0rd"));
        User::from_seed(Uuid::nil(), &seed, Utc::now())
    }

    #[test]
    fn lag_keeps_old_password_until_it_passes() {
        let mut u = user();
        let t0 = Utc::now();
        u.set_password("New-Passw0rd", false, t0);
        let lag = Duration::from_secs(5);
        assert_eq!(
            u.check_password("New-Passw0rd", t0, lag),
            PasswordCheck::Wrong
        );
        assert_eq!(u.check_password("Old-Passw0rd", t0, lag), PasswordCheck::Ok);
        let later = t0 + chrono::TimeDelta::seconds(6);
        assert_eq!(
            u.check_password("New-Passw0rd", later, lag),
            PasswordCheck::Ok
        );
        assert_eq!(
            u.check_password("Old-Passw0rd", later, lag),
            PasswordCheck::Wrong
        );
    }

    #[test]
    fn lockout_after_threshold_until_reset() {
        let mut u = user();
        let now = Utc::now();
        for _ in 0..LOCKOUT_THRESHOLD {
            assert_eq!(
                u.check_password("nope", now, Duration::ZERO),
                PasswordCheck::Wrong
            );
        }
        assert_eq!(
            u.check_password("Old-Passw0rd", now, Duration::ZERO),
            PasswordCheck::Locked
        );
        u.set_password("Fresh-Passw0rd", false, now);
        assert_eq!(
            u.check_password("Fresh-Passw0rd", now, Duration::ZERO),
            PasswordCheck::Ok
        );
    }
}
