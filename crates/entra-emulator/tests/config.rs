//! Seed and configuration files.

mod helpers;

use entra_emulator::{EmulatorConfig, Seed};
use std::time::Duration;

const EXAMPLE: &str = include_str!("../../../emulator.example.toml");

#[test]
fn example_file_is_the_demo_seed() {
    let config = EmulatorConfig::from_toml_str(EXAMPLE).expect("example parses");
    assert_eq!(config.seed, Seed::demo());
    assert_eq!(
        Seed::from_toml_str(EXAMPLE).expect("seed parses"),
        Seed::demo()
    );
    assert_eq!(config.token_lifetime, Duration::from_secs(3599));
    assert_eq!(config.throttle.writes, 3000);
    assert_eq!(config.throttle.per, Duration::from_secs(150));
    assert!(!config.tls);
}

#[test]
fn defaults_and_partial_files() {
    let config =
        EmulatorConfig::from_toml_str("replication_lag = 2\n[faults]\nerror_rate = 0.25\n")
            .expect("parses");
    assert_eq!(config.replication_lag, Duration::from_secs(2));
    assert_eq!(config.faults.error_rate, 0.25);
    assert!(config.throttle.enabled);
    assert!(config.seed.tenants.is_empty());
    let default = EmulatorConfig::default();
    assert_eq!(default.seed, Seed::demo());
    assert_eq!(default.token_lifetime, Duration::from_secs(3599));
    assert_eq!(default.replication_lag, Duration::ZERO);
}

#[test]
fn users_without_ids_get_stable_ids_and_duplicates_are_rejected() {
    let text = "[[tenants]]\nid = \"11111111-1111-1111-1111-111111111111\"\ndomain = \"x.test\"\n[[tenants.users]]\nuser_principal_name = \"a@x.test\"\n";
    let a = Seed::from_toml_str(text).expect("parses");
    let b = Seed::from_toml_str(text).expect("parses");
    assert!(a.tenants[0].users[0].id.is_some());
    assert_eq!(a, b);
    assert!(a.tenants[0].users[0].account_enabled);
    let dup = format!("{text}[[tenants.users]]\nuser_principal_name = \"A@x.test\"\n");
    assert!(Seed::from_toml_str(&dup).is_err());
}

#[test]
fn generated_users_are_added_to_the_named_tenant() {
    let seed = Seed::demo().with_generated_users("contoso.onmicrosoft.com", 3);
    let upns: Vec<_> = seed.tenants[0]
        .users
        .iter()
        .map(|u| u.user_principal_name.as_str())
        .collect();
    assert!(upns.contains(&"user0003@contoso.onmicrosoft.com"));
    assert_eq!(upns.len(), 9);
}
