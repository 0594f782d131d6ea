//! Signed checkpoints of the global log (`leasehold audit anchor`).
//!
//! A checkpoint records where the log ended (position and running hash) at a moment, with
//! an HMAC-SHA256 by a key the database and the engine never see (the auditor's
//! `--key-file` or `LEASEHOLD_AUDIT_KEY`). Kept outside the database (a ticket, a WORM
//! bucket, another team's mailbox), it lets `audit verify --against` prove that no event
//! up to that position was erased, truncated or rewritten since, even by someone who can
//! rewrite every table.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::canonical::hex;
use crate::log::LogHead;

/// Environment variable holding the audit key (base64, at least 32 bytes).
pub const AUDIT_KEY_ENV: &str = "LEASEHOLD_AUDIT_KEY";

/// The format tag every checkpoint carries and signs.
pub const CHECKPOINT_FORMAT: &str = "leasehold-checkpoint-v1";

/// Why a checkpoint or an audit key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// No key was given.
    #[error(
        "no audit key: pass --key-file PATH or set {AUDIT_KEY_ENV} (base64 of at least 32 \
         random bytes, e.g. `openssl rand -base64 32`; keep it away from the database host)"
    )]
    MissingKey,
    /// The key is unreadable or too short.
    #[error("audit key from {source_name}: {reason}")]
    BadKey {
        /// Where the key came from.
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The checkpoint does not parse.
    #[error("the checkpoint is not a leasehold checkpoint: {0}")]
    Malformed(String),
    /// The signature does not match: the checkpoint was altered, or signed by another key.
    #[error(
        "the checkpoint's signature does not match (key {expected} expected, checkpoint says \
         {found}): it was altered or signed with another key"
    )]
    BadSignature {
        /// Id of the key given.
        expected: String,
        /// Key id the checkpoint names.
        found: String,
    },
}

/// The auditor's signing key.
pub struct AuditKey {
    key: Zeroizing<Vec<u8>>,
    id: String,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({}, [redacted])", self.id)
    }
}

impl AuditKey {
    /// Parses base64 text (whitespace around it ignored) of at least 32 bytes.
    pub fn from_base64(text: &str, source_name: &str) -> Result<Self, CheckpointError> {
        let bad = |reason: &str| CheckpointError::BadKey {
            source_name: source_name.to_string(),
            reason: reason.to_string(),
        };
        let key = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| bad("not valid base64"))?,
        );
        if key.len() < 32 {
            return Err(bad(&format!(
                "decodes to {} bytes, at least 32 are needed",
                key.len()
            )));
        }
        let digest = Sha256::new()
            .chain_update(b"leasehold audit key id\0")
            .chain_update(key.as_slice())
            .finalize();
        let id = format!("ak-{}", &hex(&digest)[..8]);
        Ok(Self { key, id })
    }

    /// Loads the key from `LEASEHOLD_AUDIT_KEY`, else from `file`.
    pub fn from_env_or_file(file: Option<&Path>) -> Result<Self, CheckpointError> {
        if let Some(path) = file {
            let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                CheckpointError::BadKey {
                    source_name: path.display().to_string(),
                    reason: e.to_string(),
                }
            })?);
            return Self::from_base64(&text, &path.display().to_string());
        }
        match std::env::var(AUDIT_KEY_ENV) {
            Ok(text) if !text.trim().is_empty() => {
                let text = Zeroizing::new(text);
                Self::from_base64(&text, AUDIT_KEY_ENV)
            }
            _ => Err(CheckpointError::MissingKey),
        }
    }

    /// The key's public id, e.g. `ak-1a2b3c4d`.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn mac(&self, body: &str) -> Hmac<Sha256> {
        // Invariant: HMAC accepts keys of any length.
        #[allow(clippy::expect_used)]
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(body.as_bytes());
        mac
    }
}

/// A signed record of where the global log ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Always [`CHECKPOINT_FORMAT`].
    pub format: String,
    /// Events logged up to the checkpoint.
    pub position: i64,
    /// Running hash at `position` (lowercase hex).
    pub running_hash: String,
    /// When the checkpoint was taken.
    pub taken_at: DateTime<Utc>,
    /// Id of the key that signed it.
    pub key_id: String,
    /// HMAC-SHA256 (lowercase hex) of the fields above.
    pub signature: String,
}

impl Checkpoint {
    /// Signs `head` as seen at `taken_at`.
    pub fn sign(head: &LogHead, taken_at: DateTime<Utc>, key: &AuditKey) -> Self {
        let mut checkpoint = Self {
            format: CHECKPOINT_FORMAT.to_string(),
            position: head.position,
            running_hash: head.running_hash.clone(),
            taken_at,
            key_id: key.id().to_string(),
            signature: String::new(),
        };
        checkpoint.signature = hex(&key.mac(&checkpoint.body()).finalize().into_bytes());
        checkpoint
    }

    /// Parses a checkpoint and checks its signature with `key`.
    pub fn open(text: &str, key: &AuditKey) -> Result<Self, CheckpointError> {
        let checkpoint: Self =
            serde_json::from_str(text).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        if checkpoint.format != CHECKPOINT_FORMAT {
            return Err(CheckpointError::Malformed(format!(
                "format {:?}, expected {CHECKPOINT_FORMAT:?}",
                checkpoint.format
            )));
        }
        let tag = decode_hex(&checkpoint.signature)
            .ok_or_else(|| CheckpointError::Malformed("the signature is not hex".into()))?;
        key.mac(&checkpoint.body())
            .verify_slice(&tag)
            .map_err(|_| CheckpointError::BadSignature {
                expected: key.id().to_string(),
                found: checkpoint.key_id.clone(),
            })?;
        Ok(checkpoint)
    }

    /// Where the log ended, as the checkpoint says.
    pub fn head(&self) -> LogHead {
        LogHead {
            position: self.position,
            running_hash: self.running_hash.clone(),
        }
    }

    /// The signed bytes: every field but the signature, one per line.
    fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n",
            self.format,
            self.position,
            self.running_hash,
            self.taken_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            self.key_id
        )
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> AuditKey {
        AuditKey::from_base64(&STANDARD.encode([byte; 32]), "test").expect("key")
    }

    #[test]
    fn a_signed_checkpoint_opens_and_an_altered_one_does_not() {
        let head = LogHead {
            position: 42,
            running_hash: "ab".repeat(32),
        };
        let signed = Checkpoint::sign(&head, Utc::now(), &key(1));
        let text = serde_json::to_string(&signed).expect("json");
        assert_eq!(
            Checkpoint::open(&text, &key(1)).expect("opens").head(),
            head
        );
        assert!(matches!(
            Checkpoint::open(&text, &key(2)),
            Err(CheckpointError::BadSignature { .. })
        ));
        let mut altered = signed.clone();
        altered.position = 41;
        let text = serde_json::to_string(&altered).expect("json");
        assert!(matches!(
            Checkpoint::open(&text, &key(1)),
            Err(CheckpointError::BadSignature { .. })
        ));
    }

    #[test]
    fn short_keys_are_refused() {
        let err = AuditKey::from_base64(&STANDARD.encode([1u8; 16]), "test").unwrap_err();
        assert!(err.to_string().contains("at least 32"), "{err}");
    }
}
