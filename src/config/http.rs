//! `[http]`: the HTTP gateway's NATS actor and how it checks Entra access tokens.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Hidden;

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
    /// The claim naming the actor of an application's token (one without `scp`):
    /// `azp` or `appid`. Its value must be a valid actor name.
    pub actor_claim: String,
    /// The claim naming the actor of a person's token (one with `scp`, whether a
    /// bearer token or a browser sign-in): `preferred_username` or `upn`. Its value,
    /// lower-cased, must be a sign-in name (`alice@contoso.com`).
    pub person_claim: String,
    /// Seconds of clock skew allowed on `exp` and `nbf`.
    pub leeway_secs: u64,
    /// A token whose `kid` is unknown makes the gateway fetch the keys again at most
    /// once per this many seconds.
    pub jwks_refresh_secs: u64,
    /// Browser sign-in; off unless `client_id` and `redirect_uri` are set.
    pub sign_in: SignInSettings,
}

/// `[http.sign_in]`: the OpenID Connect authorization code flow (with PKCE) that signs
/// people in from a browser and gives them a session cookie.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SignInSettings {
    /// leasehold's app registration (client id) the browser signs in to.
    pub client_id: String,
    /// Its client secret, for a confidential (web) client; none for a public client
    /// relying on PKCE alone. `LEASEHOLD_HTTP__SIGN_IN__CLIENT_SECRET` keeps it out of
    /// the file.
    pub client_secret: Option<Hidden>,
    /// Where the identity provider sends the browser back: this gateway's
    /// `/v1/auth/callback`, exactly as registered (`https://…/v1/auth/callback`).
    pub redirect_uri: String,
    /// The tenant people sign in to (default: the first of `http.tenants`).
    pub tenant: Option<String>,
    /// Scopes asked for: `openid` plus a delegated scope of leasehold's API, e.g.
    /// `api://leasehold/Leasehold.Access`.
    pub scopes: Vec<String>,
    /// Longest session; never longer than the access token it came from.
    pub session_secs: u64,
    /// File holding the base64 key (64 bytes or more) that encrypts session cookies;
    /// every gateway behind one address needs the same. None: a random key per
    /// process (sessions end when it restarts).
    pub session_key_file: Option<PathBuf>,
}

impl SignInSettings {
    /// Whether browser sign-in is configured.
    pub fn enabled(&self) -> bool {
        !self.client_id.is_empty() && !self.redirect_uri.is_empty()
    }
}

impl Default for SignInSettings {
    fn default() -> Self {
        Self {
            client_id: String::new(),
            client_secret: None,
            redirect_uri: String::new(),
            tenant: None,
            scopes: vec!["openid".into(), "profile".into()],
            session_secs: 8 * 3600,
            session_key_file: None,
        }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            actor: "http".into(),
            authority: "https://login.microsoftonline.com".into(),
            tenants: Vec::new(),
            audiences: Vec::new(),
            actor_claim: "azp".into(),
            person_claim: "preferred_username".into(),
            leeway_secs: 60,
            jwks_refresh_secs: 60,
            sign_in: SignInSettings::default(),
        }
    }
}
