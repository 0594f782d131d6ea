//! Master-key rotation: re-wraps every data key under the new master key, online,
//! without touching events.

use leasehold_store::KeyStore;

use crate::Config;

/// What a rotation did.
#[derive(Debug)]
pub struct Rotation {
    /// The master key everything is now wrapped under.
    pub current: String,
    /// Data keys re-wrapped by this run.
    pub rewrapped: u64,
    /// Live data keys per master key id after the run.
    pub by_master: Vec<(String, i64)>,
}

/// Re-wraps every live data key under `config`'s current master key, unwrapping with
/// its previous master keys. Engines configured with both keys keep serving meanwhile;
/// once this reports every key under the current one, the old key can be removed.
pub async fn rotate_master(config: &Config) -> anyhow::Result<Rotation> {
    let master = config.master_key()?;
    let previous = config.previous_master_keys()?;
    if previous.is_empty() {
        anyhow::bail!(
            "no previous master key configured: set the new key as the master key and list \
             the old one in previous_master_key_files (or LEASEHOLD_PREVIOUS_MASTER_KEYS)"
        );
    }
    let pool = leasehold_store::connect(&config.database_url, 4).await?;
    leasehold_store::migrate(&pool).await?;
    let current = master.id().to_string();
    let keys = KeyStore::new(pool, master).with_previous(previous);
    let rewrapped = keys.rewrap_all().await?;
    let by_master = keys.count_by_master().await?;
    Ok(Rotation {
        current,
        rewrapped,
        by_master,
    })
}
