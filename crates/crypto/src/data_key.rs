//! Data keys: one random AES-256 key per sealed value, wrapped by the master key.

use std::fmt;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, KeyInit};
use secrecy::{ExposeSecret, SecretSlice};
use zeroize::Zeroize;

use crate::{CryptoError, MasterKey};

/// An unwrapped data key. Lives in memory only as long as a seal or open needs it.
pub struct DataKey {
    id: String,
    key: SecretSlice<u8>,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// A data key wrapped (AES-256-GCM) under a master key, as stored in `data_keys`.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// The data key's id (e.g. `lease:<uuid>`), bound into the wrapping as AAD.
    pub key_id: String,
    /// The id of the master key that wraps it.
    pub master_key_id: String,
    /// 12-byte nonce followed by the ciphertext and tag.
    pub wrapped: Vec<u8>,
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("key_id", &self.key_id)
            .field("master_key_id", &self.master_key_id)
            .finish_non_exhaustive()
    }
}

impl DataKey {
    /// Generates a fresh random data key with the given id.
    pub fn generate(id: impl Into<String>) -> Self {
        let key = Aes256Gcm::generate_key(&mut rand::rngs::OsRng);
        Self {
            id: id.into(),
            key: SecretSlice::from(key.to_vec()),
        }
    }

    /// The key id, e.g. `lease:0190…` or `connection:prod:0190…`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Wraps the key under `master` for storage.
    pub fn wrap(&self, master: &MasterKey) -> WrappedKey {
        let nonce = Aes256Gcm::generate_nonce(&mut rand::rngs::OsRng);
        let payload = Payload {
            msg: self.key.expose_secret(),
            aad: self.id.as_bytes(),
        };
        // Encryption with a valid 32-byte key and a fresh 12-byte nonce cannot fail.
        let ciphertext = master
            .cipher()
            .encrypt(&nonce, payload)
            .expect("AES-GCM encryption of a 32-byte key is infallible");
        let mut wrapped = nonce.to_vec();
        wrapped.extend_from_slice(&ciphertext);
        WrappedKey {
            key_id: self.id.clone(),
            master_key_id: master.id().to_string(),
            wrapped,
        }
    }

    /// Unwraps a stored key with `master`; fails on the wrong master key or tampering.
    pub fn unwrap(wrapped: &WrappedKey, master: &MasterKey) -> Result<Self, CryptoError> {
        if wrapped.master_key_id != master.id() {
            return Err(CryptoError::WrongMasterKey {
                key_id: wrapped.key_id.clone(),
                wrapped_under: wrapped.master_key_id.clone(),
                available: master.id().to_string(),
            });
        }
        if wrapped.wrapped.len() < 12 + 16 {
            return Err(CryptoError::Malformed("wrapped key too short".into()));
        }
        let (nonce, ciphertext) = wrapped.wrapped.split_at(12);
        let payload = Payload {
            msg: ciphertext,
            aad: wrapped.key_id.as_bytes(),
        };
        let mut key = master
            .cipher()
            .decrypt(aes_gcm::Nonce::from_slice(nonce), payload)
            .map_err(|_| CryptoError::Open {
                key_id: wrapped.key_id.clone(),
            })?;
        if key.len() != 32 {
            key.zeroize();
            return Err(CryptoError::Malformed("data key is not 32 bytes".into()));
        }
        Ok(Self {
            id: wrapped.key_id.clone(),
            key: SecretSlice::from(key),
        })
    }

    /// Re-wraps a stored key under a new master key (master-key rotation).
    pub fn rewrap(
        wrapped: &WrappedKey,
        old: &MasterKey,
        new: &MasterKey,
    ) -> Result<WrappedKey, CryptoError> {
        Ok(Self::unwrap(wrapped, old)?.wrap(new))
    }

    pub(crate) fn cipher(&self) -> Aes256Gcm {
        let key = aes_gcm::Key::<Aes256Gcm>::from_slice(self.key.expose_secret());
        Aes256Gcm::new(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_unwrap_round_trip_and_rotation() {
        let old = MasterKey::generate();
        let new = MasterKey::generate();
        let key = DataKey::generate("lease:1");
        let wrapped = key.wrap(&old);
        assert_eq!(wrapped.master_key_id, old.id());
        let back = DataKey::unwrap(&wrapped, &old).expect("unwrap");
        assert_eq!(back.key.expose_secret(), key.key.expose_secret());
        let rotated = DataKey::rewrap(&wrapped, &old, &new).expect("rewrap");
        assert!(matches!(
            DataKey::unwrap(&rotated, &old),
            Err(CryptoError::WrongMasterKey { .. })
        ));
        let again = DataKey::unwrap(&rotated, &new).expect("unwrap under new");
        assert_eq!(again.key.expose_secret(), key.key.expose_secret());
    }

    #[test]
    fn tampered_or_renamed_wrapping_is_rejected() {
        let master = MasterKey::generate();
        let mut wrapped = DataKey::generate("lease:1").wrap(&master);
        wrapped.key_id = "lease:2".into();
        assert!(matches!(
            DataKey::unwrap(&wrapped, &master),
            Err(CryptoError::Open { .. })
        ));
        wrapped.key_id = "lease:1".into();
        let last = wrapped.wrapped.len() - 1;
        wrapped.wrapped[last] ^= 1;
        assert!(DataKey::unwrap(&wrapped, &master).is_err());
    }
}
