//! How the emulator stores and exposes passwords and passes: SHA-256, hex.

use sha2::{Digest, Sha256};

/// SHA-256 hex of a password: how the emulator stores and exposes passwords.
pub fn password_hash(password: &str) -> String {
    Sha256::digest(password.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
