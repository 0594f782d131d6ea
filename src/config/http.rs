//! `[http]`: the HTTP gateway's NATS actor and how it checks Entra access tokens.

use serde::{Deserialize, Serialize};

/// Settings of the HTTP gateway (`leasehold serve --components http`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// The gateway's own NATS actor; list it in `policy.delegates`.
    pub actor: String,
    /// The Entra login host, e.g. `https://login.microsoftonline.com` (the emulator's
    /// base URL in tests). Discovery is read from
    /// `<authority>/<tenant>/v2.0/.well-known/openid-configuration`.
    pub authority: String,
    /// Tenant ids whose tokens are accepted (the `tid` allow-list).
    pub tenants: Vec<String>,
    /// Accepted `aud` values: leasehold's application (client) id and/or its
    /// Application ID URI (`api://…`).
    pub audiences: Vec<String>,
    /// The claim naming the actor: `azp` or `appid` for applications,
    /// `preferred_username` or `upn` for people. Its value must be a valid actor name.
    pub actor_claim: String,
    /// Seconds of clock skew allowed on `exp` and `nbf`.
    pub leeway_secs: u64,
    /// A token whose `kid` is unknown makes the gateway fetch the keys again at most
    /// once per this many seconds.
    pub jwks_refresh_secs: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            actor: "http".into(),
            authority: "https://login.microsoftonline.com".into(),
            tenants: Vec::new(),
            audiences: Vec::new(),
            actor_claim: "azp".into(),
            leeway_secs: 60,
            jwks_refresh_secs: 60,
        }
    }
}
