//! The emulated directory: tenants, their applications and users, and lookups by the keys
//! Entra accepts (tenant id or domain; user id or UPN, case-insensitively).

use crate::error::EmulatorError;
use crate::seed::{AppSeed, Seed, UserSeed};
use crate::user::User;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A registered application and what it has been granted.
#[derive(Debug, Clone)]
pub(crate) struct App {
    pub seed: AppSeed,
}

/// Whether a holder of `roles` may reset the password of / revoke sessions for `target`:
/// User Administrator (or Helpdesk / Authentication Administrator) covers non-admins;
/// admins need Privileged Authentication Administrator or Global Administrator.
pub(crate) fn roles_may_manage(roles: &[String], target: &User) -> bool {
    const PRIVILEGED: &[&str] = &[
        "Privileged Authentication Administrator",
        "Global Administrator",
    ];
    const ORDINARY: &[&str] = &[
        "User Administrator",
        "Helpdesk Administrator",
        "Authentication Administrator",
    ];
    let holds = |wanted: &[&str]| {
        roles
            .iter()
            .any(|r| wanted.iter().any(|w| r.eq_ignore_ascii_case(w)))
    };
    holds(PRIVILEGED) || (!target.is_admin() && holds(ORDINARY))
}

/// Template ids of the built-in directory roles the emulator knows, by name.
const ROLE_TEMPLATES: &[(&str, &str)] = &[
    (
        "Global Administrator",
        "62e90394-69f5-4237-9190-012177145e10",
    ),
    (
        "Privileged Authentication Administrator",
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    ),
    ("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1"),
    (
        "Helpdesk Administrator",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    ),
    (
        "Authentication Administrator",
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    ),
];

/// The template ids of `roles` (names), as a token's `wids` claim lists them; roles the
/// emulator does not know are left out.
pub(crate) fn role_template_ids(roles: &[String]) -> Vec<String> {
    roles
        .iter()
        .filter_map(|r| {
            ROLE_TEMPLATES
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(r))
                .map(|(_, id)| id.to_string())
        })
        .collect()
}

/// The template id of the role named `name`, if the emulator knows it.
pub(crate) fn role_template_id(name: &str) -> Option<&'static str> {
    ROLE_TEMPLATES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, id)| *id)
}

/// One tenant; users keyed by lower-case id so listing order is stable.
#[derive(Debug)]
pub(crate) struct Tenant {
    pub id: Uuid,
    pub domain: String,
    pub apps: Vec<App>,
    pub users: BTreeMap<String, User>,
    /// The Temporary Access Pass policy.
    pub tap_policy: crate::tap_policy::TapPolicy,
}

impl Tenant {
    /// The application exposing the API `resource` (its client id or an identifier URI).
    pub fn api_app(&self, resource: &str) -> Option<&App> {
        let resource = resource.trim().trim_end_matches('/');
        self.app(resource).or_else(|| {
            self.apps.iter().find(|a| {
                a.seed
                    .identifier_uris
                    .iter()
                    .any(|u| u.trim_end_matches('/').eq_ignore_ascii_case(resource))
            })
        })
    }

    pub fn app(&self, client_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| {
            a.seed
                .client_id
                .to_string()
                .eq_ignore_ascii_case(client_id.trim())
        })
    }

    fn user_key(&self, id_or_upn: &str) -> Option<String> {
        let wanted = id_or_upn.trim().to_ascii_lowercase();
        if self.users.contains_key(&wanted) {
            return Some(wanted);
        }
        self.users
            .iter()
            .find(|(_, u)| u.upn.eq_ignore_ascii_case(&wanted))
            .map(|(k, _)| k.clone())
    }

    pub fn user(&self, id_or_upn: &str) -> Option<&User> {
        self.user_key(id_or_upn).and_then(|k| self.users.get(&k))
    }

    pub fn user_mut(&mut self, id_or_upn: &str) -> Option<&mut User> {
        self.user_key(id_or_upn)
            .and_then(|k| self.users.get_mut(&k))
    }

    pub fn add_user(
        &mut self,
        seed: &UserSeed,
        now: DateTime<Utc>,
    ) -> Result<&User, EmulatorError> {
        if !seed.user_principal_name.contains('@') {
            return Err(EmulatorError::InvalidUser(seed.user_principal_name.clone()));
        }
        let user = User::from_seed(self.id, seed, now);
        let key = user.id.to_string();
        if self.users.contains_key(&key) || self.user(&user.upn).is_some() {
            return Err(EmulatorError::DuplicateUser(user.upn));
        }
        Ok(self.users.entry(key).or_insert(user))
    }

    pub fn add_app(&mut self, seed: AppSeed) -> Result<(), EmulatorError> {
        if self.app(&seed.client_id.to_string()).is_some() {
            return Err(EmulatorError::DuplicateApp(seed.client_id));
        }
        self.apps.push(App { seed });
        Ok(())
    }

    pub fn delete_user(&mut self, id_or_upn: &str) -> Result<(), EmulatorError> {
        let key = self
            .user_key(id_or_upn)
            .ok_or_else(|| EmulatorError::UnknownUser(id_or_upn.to_string()))?;
        self.users.remove(&key);
        Ok(())
    }
}

/// Every tenant the emulator knows.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    pub tenants: Vec<Tenant>,
}

impl Directory {
    pub fn from_seed(seed: &Seed, now: DateTime<Utc>) -> Result<Directory, EmulatorError> {
        let mut dir = Directory::default();
        for t in &seed.tenants {
            let mut tenant = Tenant {
                id: t.id,
                domain: t.domain.clone(),
                apps: Vec::new(),
                users: BTreeMap::new(),
                tap_policy: crate::tap_policy::TapPolicy::default(),
            };
            for app in &t.applications {
                tenant.add_app(app.clone())?;
            }
            for user in &t.users {
                tenant.add_user(user, now)?;
            }
            dir.tenants.push(tenant);
        }
        Ok(dir)
    }

    /// Looks a tenant up by id or (any case) domain.
    /// Every tenant.
    pub fn tenants(&self) -> impl Iterator<Item = &Tenant> {
        self.tenants.iter()
    }

    pub fn tenant(&self, key: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| matches_tenant(t, key))
    }

    pub fn tenant_mut(&mut self, key: &str) -> Option<&mut Tenant> {
        self.tenants.iter_mut().find(|t| matches_tenant(t, key))
    }

    /// Like [`Directory::tenant_mut`] but an error naming the tenant when absent.
    pub fn require_tenant(&mut self, key: &str) -> Result<&mut Tenant, EmulatorError> {
        self.tenant_mut(key)
            .ok_or_else(|| EmulatorError::UnknownTenant(key.to_string()))
    }

    /// The tenant owning a UPN's domain (for `/organizations` sign-ins).
    pub fn tenant_for_upn(&self, upn: &str) -> Option<&Tenant> {
        let domain = upn.rsplit_once('@').map(|(_, d)| d)?;
        self.tenant(domain)
    }
}

fn matches_tenant(t: &Tenant, key: &str) -> bool {
    let key = key.trim();
    t.id.to_string().eq_ignore_ascii_case(key) || t.domain.eq_ignore_ascii_case(key)
}
