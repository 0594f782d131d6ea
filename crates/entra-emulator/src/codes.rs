//! Authorization codes between the sign-in page and the token endpoint: single use,
//! bound to the client, the redirect URI and the PKCE challenge, alive for 10 minutes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

/// How long a code may wait for its redemption (Entra: about 10 minutes).
const LIFETIME: Duration = Duration::minutes(10);

/// What a code was issued for.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub tenant_id: Uuid,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    /// `(code_challenge, method)`; `plain` or `S256`.
    pub challenge: Option<(String, String)>,
    pub user_id: Uuid,
    pub issued_at: DateTime<Utc>,
}

impl Grant {
    /// Whether `verifier` answers the challenge (RFC 7636); no challenge, no verifier.
    pub fn verifies(&self, verifier: Option<&str>) -> bool {
        match (&self.challenge, verifier) {
            (None, None) => true,
            (Some((challenge, method)), Some(verifier)) => {
                let derived = if method == "S256" {
                    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
                } else {
                    verifier.to_string()
                };
                derived == *challenge
            }
            _ => false,
        }
    }
}

/// Codes not yet redeemed.
#[derive(Default)]
pub(crate) struct Codes {
    pending: HashMap<String, Grant>,
}

impl Codes {
    /// Stores `grant` under a fresh random code and returns the code.
    pub fn issue(&mut self, grant: Grant) -> String {
        let now = grant.issued_at;
        self.pending.retain(|_, g| g.issued_at + LIFETIME > now);
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let code = URL_SAFE_NO_PAD.encode(bytes);
        self.pending.insert(code.clone(), grant);
        code
    }

    /// Takes the grant of `code` (a code is used once), if it is still alive at `now`.
    pub fn redeem(&mut self, code: &str, now: DateTime<Utc>) -> Option<Grant> {
        self.pending
            .remove(code)
            .filter(|g| g.issued_at + LIFETIME > now)
    }
}
