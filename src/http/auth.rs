//! Bearer authentication: an Entra access token for leasehold's own application,
//! checked against the allowed tenants' discovery and keys — RS256 signature under a
//! published key, `iss` of the token's tenant, `aud`, `exp`/`nbf` with a small leeway,
//! `tid` in the allow-list — and the actor taken from a configurable claim.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use leasehold_api::ErrorCode;
use leasehold_domain::Actor;
use serde_json::Value;

use super::keys::KeySource;
use super::problem::Problem;
use crate::config::HttpSettings;

/// Who a request is from, once its token passed every check.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The actor the engine's policy applies to.
    pub actor: Actor,
    /// The token's app roles (`roles`).
    pub roles: Vec<String>,
}

/// Checks bearer tokens.
pub struct Verifier {
    settings: HttpSettings,
    keys: KeySource,
}

impl Verifier {
    /// A verifier for `settings`; keys are fetched on first use.
    pub fn new(settings: HttpSettings) -> anyhow::Result<Self> {
        Ok(Self {
            keys: KeySource::new(&settings)?,
            settings,
        })
    }

    /// The principal of a valid token, or why it is not one.
    pub async fn verify(&self, token: &str) -> Result<Principal, Problem> {
        self.verify_token(token)
            .await
            .map(|(principal, _)| principal)
    }

    /// The principal of a valid access token and the token's expiry (Unix seconds).
    pub async fn verify_token(&self, token: &str) -> Result<(Principal, i64), Problem> {
        let claims = self.claims(token, &self.settings.audiences).await?;
        let principal = self.principal(&claims)?;
        Ok((principal, claims["exp"].as_i64().unwrap_or_default()))
    }

    /// Checks an ID token from a browser sign-in: signed by the tenant, for
    /// `client_id`, and carrying the `nonce` the sign-in was started with.
    pub async fn verify_id_token(
        &self,
        token: &str,
        client_id: &str,
        nonce: &str,
    ) -> Result<(), Problem> {
        let claims = self.claims(token, &[client_id.to_string()]).await?;
        let sent = claims["nonce"].as_str().unwrap_or_default();
        if sent.is_empty() || sent != nonce {
            return Err(Problem::unauthenticated("ID token nonce mismatch"));
        }
        Ok(())
    }

    /// The claims of `token` once its header, signature, issuer, audience (one of
    /// `audiences`), lifetime and tenant passed.
    async fn claims(&self, token: &str, audiences: &[String]) -> Result<Value, Problem> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| Problem::unauthenticated("malformed"))?;
        // Only what Entra signs with: never `none`, never an HMAC keyed by a public key.
        if header.alg != Algorithm::RS256 {
            return Err(Problem::unauthenticated("algorithm not allowed"));
        }
        let kid = header
            .kid
            .ok_or_else(|| Problem::unauthenticated("no key id"))?;
        let trust = self.keys.trust(&kid).await.map_err(|e| {
            tracing::warn!(error = %format!("{e:#}"), "OIDC discovery or keys unavailable");
            Problem::new(
                ErrorCode::Unavailable,
                "the identity provider's keys could not be read; retry later",
            )
        })?;
        let key = trust
            .key
            .ok_or_else(|| Problem::unauthenticated("unknown signing key"))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = self.settings.leeway_secs;
        validation.validate_nbf = true;
        validation.set_audience(audiences);
        validation.set_issuer(&trust.issuers.values().collect::<Vec<_>>());
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud"]);
        let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map_err(|e| Problem::unauthenticated(rejection(e.kind())))?
            .claims;
        let tid = claims["tid"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match trust.issuers.get(&tid) {
            Some(issuer) if claims["iss"].as_str() == Some(issuer.as_str()) => Ok(claims),
            _ => Err(Problem::unauthenticated("tenant not allowed")),
        }
    }

    /// The actor and roles of verified `claims`: a person's token (it has `scp`) is
    /// named by `person_claim`, lower-cased; an application's by `actor_claim`.
    fn principal(&self, claims: &Value) -> Result<Principal, Problem> {
        let person = claims.get("scp").is_some();
        let claim = if person {
            &self.settings.person_claim
        } else {
            &self.settings.actor_claim
        };
        let actor = claims[claim.as_str()]
            .as_str()
            .map(|name| {
                if person {
                    name.to_lowercase()
                } else {
                    name.to_string()
                }
            })
            .and_then(|name| Actor::parse(&name).ok())
            .filter(|a| a.is_person() == person)
            .filter(|a| !a.is_system() && !leasehold_bus::is_reserved_actor(a.as_str()))
            .ok_or_else(|| {
                Problem::new(
                    ErrorCode::Forbidden,
                    format!("the token's {claim} claim is not a usable actor name"),
                )
            })?;
        let roles = claims["roles"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Principal { actor, roles })
    }
}

/// The check a token failed, in words safe to return (no claim values).
fn rejection(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::ExpiredSignature => "expired",
        ErrorKind::ImmatureSignature => "not yet valid",
        ErrorKind::InvalidAudience => "wrong audience",
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::InvalidAlgorithm => "algorithm not allowed",
        ErrorKind::MissingRequiredClaim(_) => "missing claim",
        _ => "malformed",
    }
}
