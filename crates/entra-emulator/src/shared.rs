//! State shared by every request handler of one emulator instance.
//!
//! Each concern has its own small lock, held only for the synchronous moment it is needed
//! (never across an `.await`).

use crate::clock::Clock;
use crate::config::{EmulatorConfig, FaultConfig};
use crate::directory::Directory;
use crate::error::EmulatorError;
use crate::jwt::Signer;
use crate::request_log::LoggedRequest;
use crate::throttle::Throttle;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The emulator's mutable world and its fixed settings.
pub(crate) struct Shared {
    pub directory: Mutex<Directory>,
    pub log: Mutex<Vec<LoggedRequest>>,
    pub throttle: Mutex<Throttle>,
    pub faults: Mutex<FaultConfig>,
    pub replication_lag: Mutex<Duration>,
    pub token_lifetime: Duration,
    pub clock: Clock,
    pub signer: Signer,
    /// Authorization codes awaiting redemption.
    pub codes: Mutex<crate::codes::Codes>,
    /// `http://127.0.0.1:PORT` (or https); the issuer host, Graph host and a valid resource.
    pub base_url: String,
}

impl Shared {
    pub fn new(config: &EmulatorConfig, base_url: String) -> Result<Shared, EmulatorError> {
        let clock = Clock::default();
        let mut seed = config.seed.clone();
        seed.fill_generated_ids();
        let directory = Directory::from_seed(&seed, clock.now())?;
        Ok(Shared {
            directory: Mutex::new(directory),
            log: Mutex::new(Vec::new()),
            throttle: Mutex::new(Throttle::new(config.throttle.clone())),
            faults: Mutex::new(config.faults.clone()),
            replication_lag: Mutex::new(config.replication_lag),
            token_lifetime: config.token_lifetime,
            clock,
            signer: Signer::random()?,
            codes: Mutex::new(crate::codes::Codes::default()),
            base_url,
        })
    }

    pub fn replication_lag(&self) -> Duration {
        *lock(&self.replication_lag)
    }
}

/// Locks a mutex, recovering the data if a panicking holder poisoned it: every update is
/// a single assignment or push, so the data is never left half-changed.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
