//! The tenant's Temporary Access Pass policy
//! (`temporaryAccessPassAuthenticationMethodConfiguration`), and a user's pass: its
//! lifetime by the emulator's clock, one-time use, and what Graph reports about it.

use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::secret_hash::password_hash;

/// A tenant's TAP policy. Graph keeps lifetimes within 10–43,200 minutes; the emulator's
/// admin API accepts any lifetime from 1 minute so tests need not wait ten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TapPolicy {
    /// `state`: whether the method is enabled in the tenant.
    pub enabled: bool,
    /// `defaultLifetimeInMinutes`.
    pub default_lifetime_minutes: u32,
    /// `minimumLifetimeInMinutes`.
    pub min_lifetime_minutes: u32,
    /// `maximumLifetimeInMinutes`.
    pub max_lifetime_minutes: u32,
    /// `isUsableOnce`: every pass in the tenant is one-time.
    pub is_usable_once: bool,
    /// `defaultLength`: characters in a pass (8–48).
    pub default_length: u32,
}

impl Default for TapPolicy {
    /// Entra's defaults (1 hour, 1 to 8 hours, reusable, 8 characters), enabled.
    fn default() -> Self {
        TapPolicy {
            enabled: true,
            default_lifetime_minutes: 60,
            min_lifetime_minutes: 60,
            max_lifetime_minutes: 480,
            is_usable_once: false,
            default_length: 8,
        }
    }
}

impl TapPolicy {
    /// Whether the settings are consistent: 1 ≤ min ≤ default ≤ max ≤ 43,200, length 8–48.
    pub fn is_valid(&self) -> bool {
        (1..=self.default_lifetime_minutes).contains(&self.min_lifetime_minutes)
            && self.default_lifetime_minutes <= self.max_lifetime_minutes
            && self.max_lifetime_minutes <= 43_200
            && (8..=48).contains(&self.default_length)
    }

    /// The Graph representation.
    pub(crate) fn graph_json(&self, base_url: &str) -> serde_json::Value {
        json!({
            "@odata.context": format!(
                "{base_url}/v1.0/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity"
            ),
            "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
            "id": "TemporaryAccessPass",
            "state": if self.enabled { "enabled" } else { "disabled" },
            "defaultLifetimeInMinutes": self.default_lifetime_minutes,
            "defaultLength": self.default_length,
            "minimumLifetimeInMinutes": self.min_lifetime_minutes,
            "maximumLifetimeInMinutes": self.max_lifetime_minutes,
            "isUsableOnce": self.is_usable_once,
            "includeTargets@odata.context": format!(
                "{base_url}/v1.0/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations('TemporaryAccessPass')/microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration/includeTargets"
            ),
            "includeTargets": [{
                "targetType": "group",
                "id": "all_users",
                "isRegistrationRequired": false,
            }],
            "excludeTargets": [],
        })
    }
}

/// A user's Temporary Access Pass; only a hash of the passcode is kept.
#[derive(Debug, Clone)]
pub(crate) struct UserTap {
    pub id: Uuid,
    pass_hash: String,
    pub created: DateTime<Utc>,
    pub lifetime_minutes: u32,
    pub usable_once: bool,
    pub used: bool,
}

/// Why a pass does or does not sign in now, in Graph's words (`methodUsabilityReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Usability {
    EnabledByPolicy,
    Expired,
    OneTimeUsed,
}

impl Usability {
    fn as_str(self) -> &'static str {
        match self {
            Usability::EnabledByPolicy => "EnabledByPolicy",
            Usability::Expired => "Expired",
            Usability::OneTimeUsed => "OneTimeUsed",
        }
    }
}

/// Characters of a generated pass: letters, digits and a few symbols, as Entra's passes.
const PASS_CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789+-%@#";

impl UserTap {
    /// A new pass of `length` characters; returns it with its passcode.
    pub fn issue(
        length: u32,
        lifetime_minutes: u32,
        usable_once: bool,
        now: DateTime<Utc>,
    ) -> (UserTap, String) {
        let mut rng = rand::rngs::OsRng;
        let pass: String = (0..length)
            .map(|_| char::from(PASS_CHARS[rng.gen_range(0..PASS_CHARS.len())]))
            .collect();
        let tap = UserTap {
            id: Uuid::new_v4(),
            pass_hash: password_hash(&pass),
            created: now,
            lifetime_minutes,
            usable_once,
            used: false,
        };
        (tap, pass)
    }

    /// When the pass stops signing in.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.created + TimeDelta::minutes(i64::from(self.lifetime_minutes))
    }

    pub fn usability(&self, now: DateTime<Utc>) -> Usability {
        if now >= self.expires_at() {
            Usability::Expired
        } else if self.usable_once && self.used {
            Usability::OneTimeUsed
        } else {
            Usability::EnabledByPolicy
        }
    }

    /// Whether `secret` is this pass's passcode.
    pub fn matches(&self, secret: &str) -> bool {
        password_hash(secret) == self.pass_hash
    }

    /// The Graph representation; `pass` only in the answer to its creation.
    pub fn graph_json(&self, now: DateTime<Utc>, pass: Option<&str>) -> serde_json::Value {
        let usability = self.usability(now);
        json!({
            "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
            "id": self.id,
            "temporaryAccessPass": pass,
            "createdDateTime": self.created,
            "startDateTime": self.created,
            "lifetimeInMinutes": self.lifetime_minutes,
            "isUsableOnce": self.usable_once,
            "isUsable": usability == Usability::EnabledByPolicy,
            "methodUsabilityReason": usability.as_str(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_expires_by_the_clock_and_a_one_time_pass_after_use() {
        let t0 = Utc::now();
        let (mut tap, pass) = UserTap::issue(8, 60, true, t0);
        assert_eq!(pass.len(), 8);
        assert!(tap.matches(&pass));
        assert_eq!(tap.usability(t0), Usability::EnabledByPolicy);
        tap.used = true;
        assert_eq!(tap.usability(t0), Usability::OneTimeUsed);
        assert_eq!(
            tap.usability(t0 + TimeDelta::minutes(60)),
            Usability::Expired
        );
        assert!(TapPolicy::default().is_valid());
    }
}
