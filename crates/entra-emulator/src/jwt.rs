//! JWT-shaped tokens signed with HMAC-SHA256 under a per-emulator random key. Real Entra
//! signs with RS256; clients must treat access tokens as opaque, so HS256 is enough here.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde::{de::DeserializeOwned, Serialize};
use sha2::{Digest, Sha256};

const BLOCK: usize = 64;

/// Signs and verifies the emulator's tokens.
pub struct Signer {
    key: [u8; 32],
}

/// Why a token was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url parts of JSON.
    #[error("token is not well formed")]
    Malformed,
    /// Signature does not match this emulator's key.
    #[error("signature validation failed")]
    BadSignature,
}

impl Signer {
    /// A signer with a fresh random key.
    pub fn random() -> Signer {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Signer { key }
    }

    /// Serialises `claims` into `header.payload.signature`.
    pub fn sign<T: Serialize>(&self, claims: &T) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256","kid":"emulator"}"#);
        // Invariant: claim structs are plain data and always serialise.
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
        let mac = hmac_sha256(&self.key, signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// Verifies the signature and decodes the claims.
    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Result<T, JwtError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| JwtError::Malformed)?;
        let expected = hmac_sha256(&self.key, format!("{header}.{payload}").as_bytes());
        if !constant_time_eq(&expected, &signature) {
            return Err(JwtError::BadSignature);
        }
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| JwtError::Malformed)?;
        serde_json::from_slice(&payload).map_err(|_| JwtError::Malformed)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// HMAC-SHA256 (RFC 2104) over sha2, to avoid another dependency.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn round_trip_and_tamper() {
        let signer = Signer::random();
        let token = signer.sign(&serde_json::json!({"a": 1}));
        let back: serde_json::Value = signer.verify(&token).expect("valid");
        assert_eq!(back["a"], 1);
        let other = Signer::random();
        assert_eq!(
            other.verify::<serde_json::Value>(&token),
            Err(JwtError::BadSignature)
        );
        assert_eq!(
            signer.verify::<serde_json::Value>("garbage"),
            Err(JwtError::Malformed)
        );
    }
}
