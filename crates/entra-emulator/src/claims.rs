//! What the emulator's tokens carry, and the resource identifiers Graph accepts.

use serde::{Deserialize, Serialize};

/// The public Graph resource URI; tokens for it work against the emulator's Graph.
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";
/// Graph's well-known application id, also accepted as a resource.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Claims of an access token (app-only or delegated).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AccessClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub appid: String,
    pub oid: String,
    pub sub: String,
    /// `app` for client credentials, `user` for delegated tokens.
    pub idtyp: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Template ids of the directory roles of the app (always listed, maybe empty) or of
    /// the signed-in user (when there are any), as Entra lists them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    pub ver: String,
    pub uti: String,
}

/// Claims of a v2.0 app-only access token for an API registered in the tenant (not
/// Graph): `aud` is the API's client id, `azp` the calling application.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ApiAccessClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub azp: String,
    /// `1`: the client authenticated with a secret.
    pub azpacr: String,
    pub oid: String,
    pub sub: String,
    pub idtyp: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    pub ver: String,
    pub uti: String,
}

/// Claims of a v2.0 delegated access token for an API registered in the tenant: `aud`
/// is the API's client id, `azp` the application the user signed in to, `scp` the
/// API's scopes granted and `roles` the API's app roles assigned to the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UserApiAccessClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub azp: String,
    /// `1`: the client authenticated with a secret; `0`: a public client.
    pub azpacr: String,
    pub oid: String,
    pub sub: String,
    pub idtyp: String,
    pub name: String,
    pub preferred_username: String,
    pub scp: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    pub ver: String,
    pub uti: String,
}

/// Claims of a refresh token (opaque to clients; signed so it cannot be forged).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RefreshClaims {
    pub typ: String,
    pub tid: String,
    pub oid: String,
    pub appid: String,
    pub scope: String,
    /// Issue time in microseconds, so a revocation a moment later is told apart.
    pub iat_us: i64,
    pub jti: String,
}

/// Claims of an ID token; `aud` is the client id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IdClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub oid: String,
    pub sub: String,
    pub preferred_username: String,
    pub name: String,
    /// The authorization request's `nonce`, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub ver: String,
}

/// Issuer string for a tenant.
pub(crate) fn issuer(base_url: &str, tenant_id: &str) -> String {
    format!("{base_url}/{tenant_id}/v2.0")
}

/// Whether `resource` names this emulator's Graph (its base URL, `localhost` form of it,
/// the public Graph URI or Graph's app id).
pub(crate) fn is_graph_resource(base_url: &str, resource: &str) -> bool {
    let resource = resource.trim_end_matches('/');
    let localhost = base_url.replacen("127.0.0.1", "localhost", 1);
    [base_url, localhost.as_str(), GRAPH_RESOURCE, GRAPH_APP_ID]
        .iter()
        .any(|r| r.eq_ignore_ascii_case(resource))
}
