//! RS256 tokens, as Entra signs them: each key has a `kid`, the public halves are
//! published at the `jwks_uri`, and keys can be rotated (a new signing key, the old one
//! still published until it is retired), so resource servers can be tested against
//! key rollover.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::{Mutex, PoisonError};

/// RSA modulus size of the signing keys.
const KEY_BITS: usize = 2048;

/// One RSA key pair with its published form.
struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The public key as a JWK (`kty`, `use`, `kid`, `n`, `e`).
    jwk: Value,
}

impl SigningKey {
    fn generate() -> Result<SigningKey, JwtError> {
        let private = RsaPrivateKey::new(&mut rand::thread_rng(), KEY_BITS)
            .map_err(|_| JwtError::KeyGeneration)?;
        let der = private
            .to_pkcs1_der()
            .map_err(|_| JwtError::KeyGeneration)?;
        let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        // RFC 7638 thumbprint: the members in lexicographic order, no spaces.
        let thumbprint = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(thumbprint.as_bytes()));
        let decoding =
            DecodingKey::from_rsa_components(&n, &e).map_err(|_| JwtError::KeyGeneration)?;
        Ok(SigningKey {
            jwk: json!({ "kty": "RSA", "use": "sig", "kid": kid, "n": n, "e": e }),
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            decoding,
            kid,
        })
    }
}

/// Signs and verifies the emulator's tokens. The first key signs; the others are
/// published (and still verify) until retired.
pub struct Signer {
    keys: Mutex<Vec<SigningKey>>,
}

/// Why a token was rejected, or a key could not be made or removed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url parts of JSON.
    #[error("token is not well formed")]
    Malformed,
    /// Signature does not match a key of this emulator (or not RS256).
    #[error("signature validation failed")]
    BadSignature,
    /// The random source failed.
    #[error("could not generate an RSA key")]
    KeyGeneration,
    /// No published key has this id.
    #[error("no key with id {0}")]
    UnknownKey(String),
    /// The signing key cannot be retired; rotate first.
    #[error("key {0} is the signing key; rotate before retiring it")]
    SigningKey(String),
}

impl Signer {
    /// A signer with one fresh RSA key.
    pub fn random() -> Result<Signer, JwtError> {
        Ok(Signer {
            keys: Mutex::new(vec![SigningKey::generate()?]),
        })
    }

    /// Serialises `claims` into an RS256 JWT signed with the current key.
    pub fn sign<T: Serialize>(&self, claims: &T) -> String {
        let keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        // Invariant: there is always a signing key (retiring it is refused), and claim
        // structs are plain data that always serialise.
        let key = &keys[0];
        let header = Header {
            typ: Some("JWT".into()),
            kid: Some(key.kid.clone()),
            ..Header::new(Algorithm::RS256)
        };
        jsonwebtoken::encode(&header, claims, &key.encoding).unwrap_or_default()
    }

    /// Verifies the signature (RS256 under a published key) and decodes the claims;
    /// lifetimes and audiences are the caller's to check, against the emulator's clock.
    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Result<T, JwtError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| JwtError::Malformed)?;
        let keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let key = keys
            .iter()
            .find(|k| header.kid.as_deref() == Some(k.kid.as_str()))
            .ok_or(JwtError::BadSignature)?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(token, &key.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature
                | jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => JwtError::BadSignature,
                _ => JwtError::Malformed,
            })
    }

    /// The published keys as a JWK set (`{"keys": [...]}`), signing key first.
    pub fn jwks(&self) -> Value {
        let keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })
    }

    /// Ids of the published keys, signing key first.
    pub fn key_ids(&self) -> Vec<String> {
        let keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        keys.iter().map(|k| k.kid.clone()).collect()
    }

    /// Makes a fresh key the signing key; the previous ones stay published. Returns the
    /// new key's id.
    pub fn rotate(&self) -> Result<String, JwtError> {
        // Generated outside the lock: it takes a moment.
        let key = SigningKey::generate()?;
        let kid = key.kid.clone();
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        keys.insert(0, key);
        Ok(kid)
    }

    /// Stops publishing (and accepting) key `kid`; tokens it signed no longer verify.
    pub fn retire(&self, kid: &str) -> Result<(), JwtError> {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        match keys.iter().position(|k| k.kid == kid) {
            None => Err(JwtError::UnknownKey(kid.to_string())),
            Some(0) => Err(JwtError::SigningKey(kid.to_string())),
            Some(i) => {
                keys.remove(i);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_rotation_and_tamper() {
        let signer = Signer::random().expect("key");
        let token = signer.sign(&json!({"a": 1}));
        let back: Value = signer.verify(&token).expect("valid");
        assert_eq!(back["a"], 1);

        let first = signer.key_ids()[0].clone();
        let second = signer.rotate().expect("rotate");
        assert_eq!(signer.key_ids(), vec![second.clone(), first.clone()]);
        assert!(
            signer.verify::<Value>(&token).is_ok(),
            "old key still published"
        );
        assert_eq!(
            signer.retire(&second),
            Err(JwtError::SigningKey(second.clone()))
        );
        signer.retire(&first).expect("retire");
        assert_eq!(
            signer.verify::<Value>(&token),
            Err(JwtError::BadSignature),
            "a retired key's tokens no longer verify"
        );

        let other = Signer::random().expect("key");
        assert_eq!(
            other.verify::<Value>(&signer.sign(&json!({}))),
            Err(JwtError::BadSignature)
        );
        assert_eq!(signer.verify::<Value>("garbage"), Err(JwtError::Malformed));
    }
}
