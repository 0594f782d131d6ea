//! Sealing and opening values under a data key, as `leasehold_domain::Sealed`.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{AeadCore, Aes256Gcm};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use leasehold_domain::Sealed;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

use crate::{CryptoError, DataKey};

/// Seals `plaintext` under `key`. `context` (e.g. the lease id) is bound as AAD, so a
/// sealed value copied to another aggregate does not open there.
pub fn seal(key: &DataKey, context: &str, plaintext: &SecretString) -> Sealed {
    let nonce = Aes256Gcm::generate_nonce(&mut rand::rngs::OsRng);
    let aad = aad(key.id(), context);
    let payload = Payload {
        msg: plaintext.expose_secret().as_bytes(),
        aad: aad.as_bytes(),
    };
    // AES-GCM encryption only fails for plaintexts over 64 GiB.
    let ciphertext = key
        .cipher()
        .encrypt(&nonce, payload)
        .expect("AES-GCM encryption of a short secret is infallible");
    Sealed {
        key_id: key.id().to_string(),
        nonce: STANDARD.encode(nonce),
        ciphertext: STANDARD.encode(ciphertext),
    }
}

/// Opens a value sealed by [`seal`] with the same key and context.
pub fn open(key: &DataKey, context: &str, sealed: &Sealed) -> Result<SecretString, CryptoError> {
    if sealed.key_id != key.id() {
        return Err(CryptoError::Open {
            key_id: sealed.key_id.clone(),
        });
    }
    let nonce = STANDARD
        .decode(&sealed.nonce)
        .map_err(|_| CryptoError::Malformed("nonce is not base64".into()))?;
    if nonce.len() != 12 {
        return Err(CryptoError::Malformed("nonce is not 12 bytes".into()));
    }
    let ciphertext = STANDARD
        .decode(&sealed.ciphertext)
        .map_err(|_| CryptoError::Malformed("ciphertext is not base64".into()))?;
    let aad = aad(key.id(), context);
    let payload = Payload {
        msg: &ciphertext,
        aad: aad.as_bytes(),
    };
    let plain = key
        .cipher()
        .decrypt(aes_gcm::Nonce::from_slice(&nonce), payload)
        .map_err(|_| CryptoError::Open {
            key_id: sealed.key_id.clone(),
        })?;
    // Moved into a `SecretString` (zeroed on drop); wiped here if it is refused.
    let text = String::from_utf8(plain).map_err(|e| {
        e.into_bytes().zeroize();
        CryptoError::Malformed("sealed value is not UTF-8".into())
    })?;
    Ok(SecretString::from(text))
}

fn aad(key_id: &str, context: &str) -> String {
    format!("leasehold/v1\0{key_id}\0{context}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_binds_context() {
        let key = DataKey::generate("lease:abc");
        let secret = SecretString::from("Tr0ub4dor&3-correct-horse".to_string());
        let sealed = seal(&key, "abc", &secret);
        assert!(!sealed.ciphertext.contains("Tr0ub4dor"));
        let opened = open(&key, "abc", &sealed).expect("open");
        assert_eq!(opened.expose_secret(), secret.expose_secret());
        assert!(matches!(
            open(&key, "other", &sealed),
            Err(CryptoError::Open { .. })
        ));
    }

    #[test]
    fn another_key_cannot_open() {
        let key = DataKey::generate("lease:abc");
        let other = DataKey::generate("lease:abc");
        let sealed = seal(&key, "abc", &SecretString::from("x".to_string()));
        assert!(open(&other, "abc", &sealed).is_err());
    }
}
