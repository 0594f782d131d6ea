//! Fixtures shared by the unit tests.

use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::{Builder, Uuid};

use crate::{
    Actor, ConnectionName, EntraObjectId, LeaseId, Sealed, SecretName, Ttl, UserPrincipalName,
};

/// A fixed instant all tests count from.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap()
}

/// `t0 + secs`.
pub fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

/// A deterministic UUID v7 lease id, distinct per `n`.
pub fn lease_id(n: u8) -> LeaseId {
    let uuid: Uuid = Builder::from_unix_timestamp_millis(1_735_732_800_000, &[n; 10]).into_uuid();
    LeaseId::from_uuid(uuid).unwrap()
}

/// A TTL of `secs` seconds.
pub fn ttl(secs: u64) -> Ttl {
    Ttl::from_secs(secs).unwrap()
}

pub fn secret_name(s: &str) -> SecretName {
    SecretName::parse(s).unwrap()
}

pub fn connection_name(s: &str) -> ConnectionName {
    ConnectionName::parse(s).unwrap()
}

pub fn user_id() -> EntraObjectId {
    EntraObjectId::parse("6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c").unwrap()
}

pub fn upn() -> UserPrincipalName {
    UserPrincipalName::parse("alice@contoso.onmicrosoft.com").unwrap()
}

pub fn actor() -> Actor {
    Actor::parse("alice").unwrap()
}

/// A sealed blob whose ciphertext is recognisable in assertions.
pub fn sealed(tag: &str) -> Sealed {
    Sealed {
        key_id: format!("key-{tag}"),
        nonce: "bm9uY2U=".into(),
        ciphertext: format!("CIPHERTEXT-{tag}"),
    }
}
