//! The directory the emulator starts with: tenants, their applications and users.

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use uuid::Uuid;

/// Demo tenant id used by [`Seed::demo`].
pub const DEMO_TENANT_ID: &str = "11111111-1111-1111-1111-111111111111";
/// Demo tenant's initial domain.
pub const DEMO_DOMAIN: &str = "contoso.onmicrosoft.com";
/// Demo application (client) id.
pub const DEMO_CLIENT_ID: &str = "22222222-2222-2222-2222-222222222222";
/// Demo application's client secret value.
pub const DEMO_CLIENT_SECRET: &str = "demo-client-secret-value";
/// Initial password of every demo user (meets the Entra policy).
pub const DEMO_USER_PASSWORD: &str = "Demo-Passw0rd!";

/// All tenants to seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Seed {
    /// The tenants, each with its applications and users.
    #[serde(default)]
    pub tenants: Vec<TenantSeed>,
}

/// One Entra tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TenantSeed {
    /// Tenant (directory) id.
    pub id: Uuid,
    /// Initial domain, e.g. `contoso.onmicrosoft.com`; usable in place of the id in URLs.
    pub domain: String,
    /// Registered applications (service principals with their grants).
    #[serde(default)]
    pub applications: Vec<AppSeed>,
    /// Users.
    #[serde(default)]
    pub users: Vec<UserSeed>,
}

/// An application registration with admin-consented application permissions and
/// directory roles. An application without secrets is treated as a public client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppSeed {
    /// Application (client) id.
    pub client_id: Uuid,
    /// Display name.
    #[serde(default)]
    pub display_name: String,
    /// Client secrets.
    #[serde(default)]
    pub secrets: Vec<ClientSecretSeed>,
    /// Graph application permissions (app roles), e.g. `User.Read.All`.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Directory roles held by the service principal, e.g. `User Administrator`.
    #[serde(default)]
    pub directory_roles: Vec<String>,
    /// Application ID URIs under which the application exposes an API, e.g.
    /// `api://leasehold`; its client id names the API too. Client credentials for
    /// `<uri>/.default` get a v2.0 access token whose `aud` is this client id.
    #[serde(default)]
    pub identifier_uris: Vec<String>,
    /// App roles of this API granted (with admin consent) to client applications: they
    /// appear in the `roles` claim of those clients' tokens for it.
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignmentSeed>,
    /// Redirect URIs the authorization endpoint may send a code to (exact match).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// App roles of this API assigned to users: they appear in the `roles` claim of the
    /// delegated tokens those users get for it.
    #[serde(default)]
    pub user_role_assignments: Vec<UserRoleSeed>,
}

/// App roles of an API assigned to one user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserRoleSeed {
    /// The user's UPN.
    pub user: String,
    /// Role values, e.g. `Leasehold.Admin`.
    pub roles: Vec<String>,
}

/// App roles of an API granted to one client application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoleAssignmentSeed {
    /// The client application.
    pub client_id: Uuid,
    /// Role values, e.g. `Leasehold.Admin`.
    pub roles: Vec<String>,
}

/// A client secret; expired secrets are rejected with AADSTS7000222.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientSecretSeed {
    /// The secret value.
    pub value: String,
    /// When it stops working; `None` never expires.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A user. A non-empty `admin_roles` makes the user an admin, whom only Privileged
/// Authentication Administrators or Global Administrators may reset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSeed {
    /// Object id; derived deterministically from tenant and UPN when absent.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// Sign-in name, `alice@contoso.onmicrosoft.com`.
    pub user_principal_name: String,
    /// Display name.
    #[serde(default)]
    pub display_name: String,
    /// Mail address.
    #[serde(default)]
    pub mail: Option<String>,
    /// Whether the account can sign in.
    #[serde(default = "yes")]
    pub account_enabled: bool,
    /// Initial password; `None` means no password sign-in succeeds.
    #[serde(default)]
    pub password: Option<String>,
    /// Directory roles the user holds.
    #[serde(default)]
    pub admin_roles: Vec<String>,
}

fn yes() -> bool {
    true
}

impl Default for UserSeed {
    fn default() -> Self {
        UserSeed {
            id: None,
            user_principal_name: String::new(),
            display_name: String::new(),
            mail: None,
            account_enabled: true,
            password: None,
            admin_roles: Vec::new(),
        }
    }
}

impl UserSeed {
    /// A plain enabled user `name@domain` with a display name and a password.
    pub fn new(name: &str, domain: &str, display_name: &str, password: Option<&str>) -> Self {
        let upn = format!("{name}@{domain}");
        UserSeed {
            mail: Some(upn.clone()),
            user_principal_name: upn,
            display_name: display_name.to_string(),
            password: password.map(str::to_string),
            ..UserSeed::default()
        }
    }
}

/// Deterministic object id for a user without one, so seeds give stable ids across runs.
pub(crate) fn derived_user_id(tenant: Uuid, upn: &str) -> Uuid {
    let digest = Sha256::digest(format!("{tenant}/{}", upn.to_ascii_lowercase()).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn demo_uuid(s: &str) -> Uuid {
    // Invariant: only called with the literal GUIDs below.
    Uuid::parse_str(s).expect("literal demo GUID")
}

impl Seed {
    /// One tenant (`11111111-…`, `contoso.onmicrosoft.com`) with the app `leasehold-demo`
    /// (`22222222-…`, secret `demo-client-secret-value`, permissions User.Read.All,
    /// User-PasswordProfile.ReadWrite.All, User.RevokeSessions.All,
    /// UserAuthenticationMethod.ReadWrite.All, Policy.Read.AuthenticationMethod, role User
    /// Administrator),
    /// users alice, bob, carol, dave, erin and a Global Administrator `admin`, all with
    /// password [`DEMO_USER_PASSWORD`].
    pub fn demo() -> Seed {
        let names = [
            (
                "alice",
                "Alice Adams",
                "aaaaaaaa-0000-4000-8000-000000000001",
            ),
            ("bob", "Bob Baker", "aaaaaaaa-0000-4000-8000-000000000002"),
            (
                "carol",
                "Carol Clark",
                "aaaaaaaa-0000-4000-8000-000000000003",
            ),
            ("dave", "Dave Davis", "aaaaaaaa-0000-4000-8000-000000000004"),
            ("erin", "Erin Evans", "aaaaaaaa-0000-4000-8000-000000000005"),
            (
                "admin",
                "Tenant Admin",
                "aaaaaaaa-0000-4000-8000-0000000000ad",
            ),
        ];
        let users = names
            .iter()
            .map(|(name, display, id)| UserSeed {
                id: Some(demo_uuid(id)),
                admin_roles: if *name == "admin" {
                    vec!["Global Administrator".to_string()]
                } else {
                    Vec::new()
                },
                ..UserSeed::new(name, DEMO_DOMAIN, display, Some(DEMO_USER_PASSWORD))
            })
            .collect();
        let app = AppSeed {
            client_id: demo_uuid(DEMO_CLIENT_ID),
            display_name: "leasehold-demo".to_string(),
            secrets: vec![ClientSecretSeed {
                value: DEMO_CLIENT_SECRET.to_string(),
                expires_at: None,
            }],
            permissions: vec![
                "User.Read.All".to_string(),
                "User-PasswordProfile.ReadWrite.All".to_string(),
                "User.RevokeSessions.All".to_string(),
                "UserAuthenticationMethod.ReadWrite.All".to_string(),
                "Policy.Read.AuthenticationMethod".to_string(),
            ],
            directory_roles: vec!["User Administrator".to_string()],
            ..AppSeed::default()
        };
        Seed {
            tenants: vec![TenantSeed {
                id: demo_uuid(DEMO_TENANT_ID),
                domain: DEMO_DOMAIN.to_string(),
                applications: vec![app],
                users,
            }],
        }
    }

    /// Adds `n` users `user0001@domain` … to the tenant named by id or domain (no-op if
    /// absent), with display names `Generated User 0001` and password
    /// [`DEMO_USER_PASSWORD`]. For paging and load tests.
    pub fn with_generated_users(mut self, tenant: &str, n: usize) -> Seed {
        if let Some(t) = self
            .tenants
            .iter_mut()
            .find(|t| t.id.to_string() == tenant || t.domain.eq_ignore_ascii_case(tenant))
        {
            let domain = t.domain.clone();
            for i in 1..=n {
                let mut user = UserSeed::new(
                    &format!("user{i:04}"),
                    &domain,
                    &format!("Generated User {i:04}"),
                    Some(DEMO_USER_PASSWORD),
                );
                user.id = Some(derived_user_id(t.id, &user.user_principal_name));
                t.users.push(user);
            }
        }
        self
    }

    /// Parses a seed from TOML (`[[tenants]]` tables; other top-level keys are ignored, so
    /// a whole emulator file works too).
    pub fn from_toml_str(text: &str) -> anyhow::Result<Seed> {
        let mut seed: Seed = toml::from_str(text)?;
        seed.validate()?;
        seed.fill_generated_ids();
        Ok(seed)
    }

    /// Reads a seed file.
    pub fn from_file(path: &Path) -> anyhow::Result<Seed> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading seed {}", path.display()))?;
        Self::from_toml_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// Checks the seed is self-consistent: unique tenants, apps and UPNs; UPNs with `@`.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut tenant_ids = std::collections::HashSet::new();
        for t in &self.tenants {
            if !tenant_ids.insert(t.id) {
                bail!("tenant {} appears twice", t.id);
            }
            if t.domain.is_empty() {
                bail!("tenant {} has no domain", t.id);
            }
            let mut apps = std::collections::HashSet::new();
            for a in &t.applications {
                if !apps.insert(a.client_id) {
                    bail!(
                        "application {} appears twice in tenant {}",
                        a.client_id,
                        t.id
                    );
                }
            }
            let mut upns = std::collections::HashSet::new();
            for u in &t.users {
                if !u.user_principal_name.contains('@') {
                    bail!("user principal name {:?} has no '@'", u.user_principal_name);
                }
                if !upns.insert(u.user_principal_name.to_ascii_lowercase()) {
                    bail!("user {} appears twice", u.user_principal_name);
                }
            }
        }
        Ok(())
    }

    /// Gives every user without an id its deterministic derived id.
    pub(crate) fn fill_generated_ids(&mut self) {
        for t in &mut self.tenants {
            for u in &mut t.users {
                if u.id.is_none() {
                    u.id = Some(derived_user_id(t.id, &u.user_principal_name));
                }
            }
        }
    }
}
