//! The master key: loaded once from configuration, wraps every data key.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::CryptoError;

/// Environment variable that holds the base64 master key.
pub const MASTER_KEY_ENV: &str = "LEASEHOLD_MASTER_KEY";

/// A 256-bit master key with a public, non-secret id derived from it.
#[derive(Clone)]
pub struct MasterKey {
    key: SecretSlice<u8>,
    id: String,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl MasterKey {
    /// Builds a master key from 32 raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        // The id is a truncated hash of a domain-separated digest: it names the key in
        // wrapped data keys without revealing anything usable about it.
        let digest = Sha256::new()
            .chain_update(b"leasehold master key id\0")
            .chain_update(bytes)
            .finalize();
        let id = format!("mk-{}", hex8(&digest));
        Self {
            key: SecretSlice::from(bytes.to_vec()),
            id,
        }
    }

    /// Generates a fresh random master key (for `leasehold demo` and tests).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        Self::from_bytes(bytes)
    }

    /// Parses base64 text (surrounding whitespace ignored) naming `source_name` in errors.
    pub fn from_base64(text: &str, source_name: &str) -> Result<Self, CryptoError> {
        let malformed = |reason: &str| CryptoError::MalformedMasterKey {
            source_name: source_name.to_string(),
            reason: reason.to_string(),
        };
        let mut raw = STANDARD
            .decode(text.trim())
            .map_err(|_| malformed("not valid base64"))?;
        // Copy out of the decoded buffer and wipe it (and the stack copy) afterwards.
        let result = match <[u8; 32]>::try_from(raw.as_slice()) {
            Ok(mut bytes) => {
                let key = Self::from_bytes(bytes);
                bytes.zeroize();
                Ok(key)
            }
            Err(_) => Err(malformed(&format!(
                "decodes to {} bytes, expected 32",
                raw.len()
            ))),
        };
        raw.zeroize();
        result
    }

    /// Reads the key from a file that must not be readable by group or others.
    pub fn from_file(path: &Path) -> Result<Self, CryptoError> {
        let key_file = |reason: String| CryptoError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path).map_err(|e| key_file(e.to_string()))?;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(key_file(format!(
                    "mode {mode:o} lets others read it; run `chmod 600 {}`",
                    path.display()
                )));
            }
        }
        let mut text = std::fs::read_to_string(path).map_err(|e| key_file(e.to_string()))?;
        let key = Self::from_base64(&text, &path.display().to_string());
        text.zeroize();
        key
    }

    /// Loads the key from `LEASEHOLD_MASTER_KEY`, else from `file`, else fails clearly.
    pub fn from_env_or_file(file: Option<&Path>) -> Result<Self, CryptoError> {
        match std::env::var(MASTER_KEY_ENV) {
            Ok(mut v) if !v.trim().is_empty() => {
                let key = Self::from_base64(&v, MASTER_KEY_ENV);
                v.zeroize();
                key
            }
            _ => match file {
                Some(path) => Self::from_file(path),
                None => Err(CryptoError::MissingMasterKey),
            },
        }
    }

    /// The public id of this key, e.g. `mk-1a2b3c4d`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key in base64, for writing a generated key to a 0600 file.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.key.expose_secret())
    }

    pub(crate) fn cipher(&self) -> aes_gcm::Aes256Gcm {
        use aes_gcm::KeyInit;
        let key = aes_gcm::Key::<aes_gcm::Aes256Gcm>::from_slice(self.key.expose_secret());
        aes_gcm::Aes256Gcm::new(key)
    }
}

fn hex8(bytes: &[u8]) -> String {
    bytes.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_32_bytes_and_rejects_others() {
        let good = STANDARD.encode([7u8; 32]);
        let key = MasterKey::from_base64(&good, "test").expect("valid key");
        assert!(key.id().starts_with("mk-"));
        assert_eq!(key.to_base64(), good);
        let short = STANDARD.encode([7u8; 16]);
        let err = MasterKey::from_base64(&short, "test").unwrap_err();
        assert!(err.to_string().contains("16 bytes, expected 32"), "{err}");
        let err = MasterKey::from_base64("%%%", "test").unwrap_err();
        assert!(err.to_string().contains("not valid base64"));
    }

    #[test]
    fn debug_redacts_key() {
        let key = MasterKey::from_bytes([9u8; 32]);
        let shown = format!("{key:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains(&key.to_base64()));
    }

    #[test]
    fn key_file_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("lh-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("master.key");
        std::fs::write(&path, STANDARD.encode([1u8; 32])).expect("write key");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = MasterKey::from_file(&path).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(MasterKey::from_file(&path).is_ok());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn missing_key_says_how_to_make_one() {
        let err = MasterKey::from_env_or_file(None);
        if std::env::var(MASTER_KEY_ENV).is_err() {
            let msg = err.unwrap_err().to_string();
            assert!(msg.contains("LEASEHOLD_MASTER_KEY"));
        }
    }
}
