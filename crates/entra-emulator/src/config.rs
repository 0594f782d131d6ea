//! Emulator configuration: what to seed, how long tokens live, throttling, faults, lag, TLS.

use crate::seed::Seed;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// Everything [`crate::Emulator::start`] needs. A TOML file holds the same fields at top
/// level, with the seed's `[[tenants]]` beside them (see `emulator.example.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct EmulatorConfig {
    /// Tenants, applications and users to start with.
    #[serde(flatten)]
    pub seed: Seed,
    /// Lifetime of issued access tokens (`expires_in`); Entra usually reports 3599 s.
    #[serde(with = "crate::duration_serde")]
    pub token_lifetime: Duration,
    /// Write throttling per (tenant, application).
    pub throttle: ThrottleConfig,
    /// Injected Graph faults.
    pub faults: FaultConfig,
    /// How long a new password takes to become usable for sign-in (eventual consistency).
    #[serde(with = "crate::duration_serde")]
    pub replication_lag: Duration,
    /// Serve https with a generated self-signed certificate instead of plain http.
    pub tls: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            seed: Seed::demo(),
            token_lifetime: Duration::from_secs(3599),
            throttle: ThrottleConfig::default(),
            faults: FaultConfig::default(),
            replication_lag: Duration::ZERO,
            tls: false,
        }
    }
}

impl EmulatorConfig {
    /// Parses a whole emulator file (settings plus `[[tenants]]`). Absent settings take
    /// their defaults; absent tenants mean an empty directory.
    pub fn from_toml_str(text: &str) -> anyhow::Result<EmulatorConfig> {
        let mut config: EmulatorConfig = toml::from_str(text)?;
        config.seed.validate()?;
        config.seed.fill_generated_ids();
        Ok(config)
    }

    /// Reads and parses an emulator file.
    pub fn from_file(path: &Path) -> anyhow::Result<EmulatorConfig> {
        use anyhow::Context;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading emulator config {}", path.display()))?;
        Self::from_toml_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

/// Directory-write throttling: a token bucket per (tenant, application) holding `writes`
/// tokens and refilling at `writes / per`. A password PATCH or a revokeSignInSessions
/// costs one token. Entra's documented limit is 3,000 writes per 150 s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThrottleConfig {
    /// Whether writes are throttled at all.
    pub enabled: bool,
    /// Bucket size: writes allowed in a burst.
    pub writes: u32,
    /// Time over which `writes` tokens refill.
    #[serde(with = "crate::duration_serde")]
    pub per: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            enabled: true,
            writes: 3000,
            per: Duration::from_secs(150),
        }
    }
}

/// Faults injected into Graph requests (never into the admin API or the token endpoint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Fraction (0..=1) of Graph requests answered 503 with `Retry-After: 1`, or half of
    /// those 504 without it.
    pub error_rate: f64,
    /// Extra delay added before every Graph request is handled.
    #[serde(with = "crate::duration_serde")]
    pub latency: Duration,
    /// Fraction (0..=1) of Graph requests that hang for 30 s and then answer 504.
    pub timeout_rate: f64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            error_rate: 0.0,
            latency: Duration::ZERO,
            timeout_rate: 0.0,
        }
    }
}
