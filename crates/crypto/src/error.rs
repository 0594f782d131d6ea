//! Errors of the crypto crate. None of them carries key material or plaintext.

/// Why a key could not be loaded or a value could not be sealed or opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// Neither `LEASEHOLD_MASTER_KEY` nor a key file was configured.
    #[error(
        "no master key configured: set LEASEHOLD_MASTER_KEY to 32 random bytes in base64 \
         (e.g. `openssl rand -base64 32`) or point master_key_file at a file holding it"
    )]
    MissingMasterKey,
    /// The configured master key is not base64 of exactly 32 bytes.
    #[error("malformed master key from {source_name}: {reason}")]
    MalformedMasterKey {
        /// Where the key came from (environment variable or file path).
        source_name: String,
        /// What is wrong with it (never the key itself).
        reason: String,
    },
    /// The key file could not be read or is readable by others.
    #[error("master key file {path}: {reason}")]
    KeyFile {
        /// The file path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A wrapped data key was wrapped under another master key.
    #[error("data key {key_id} is wrapped under master key {wrapped_under}, not {available}")]
    WrongMasterKey {
        /// The data key's id.
        key_id: String,
        /// The master key id it was wrapped under.
        wrapped_under: String,
        /// The master key id at hand.
        available: String,
    },
    /// Authentication failed: wrong key, wrong context, or tampered ciphertext.
    #[error("cannot open sealed value under key {key_id}: wrong key or tampered data")]
    Open {
        /// The key id the value claimed.
        key_id: String,
    },
    /// A sealed value or wrapped key is not well-formed.
    #[error("malformed sealed value: {0}")]
    Malformed(String),
}
