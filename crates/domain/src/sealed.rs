//! An encrypted value the domain carries but never opens.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Ciphertext produced by the crypto crate (all fields base64); events store this, never plaintext.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// Id of the key that sealed the value, so keys can rotate.
    pub key_id: String,
    /// Base64 nonce used for the encryption.
    pub nonce: String,
    /// Base64 ciphertext (with authentication tag).
    pub ciphertext: String,
}

impl fmt::Debug for Sealed {
    /// Shows only the key id: ciphertext in logs invites offline attacks and log-scraping.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}
