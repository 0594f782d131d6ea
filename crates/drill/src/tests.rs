//! The checks catch what they are for: fed a doctored store and ledger, they fail and
//! name the lease.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use entra_emulator::{Emulator, EmulatorConfig};

use crate::checks::{self, Inputs};
use crate::checks_store;
use crate::facts::LeaseFacts;
use crate::ledger::{secret_of, Plan, Record};

fn revoked(id: &str, rid: &str, late_secs: i64) -> LeaseFacts {
    let expires = Utc::now() - Duration::seconds(120);
    LeaseFacts {
        lease_id: id.into(),
        upn: Some(secret_of(1).1),
        requested_by: Some("req1".into()),
        request_id: Some(rid.into()),
        activated: true,
        revoking: true,
        revoked: true,
        failed: false,
        expires_at: Some(expires),
        revoked_at: Some(expires + Duration::seconds(late_secs)),
        reason: Some("expired".into()),
    }
}

fn record(rid: &str, lease: &str, password: &str) -> Record {
    let (secret, upn) = secret_of(1);
    let mut r = Record::new(rid.into(), "req1", &secret, &upn, Plan::Expire);
    r.saw_lease(lease);
    r.password = Some(password.into());
    r
}

async fn emulator() -> Emulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let config = EmulatorConfig {
        seed: entra_emulator::Seed::demo().with_generated_users(entra_emulator::DEMO_TENANT_ID, 1),
        ..Default::default()
    };
    Emulator::start(config, listener).await.expect("emulator")
}

#[tokio::test]
async fn a_clean_store_passes_and_doctored_ones_fail() {
    leasehold::tls::install_ring_provider();
    let emulator = emulator().await;
    let records = vec![
        record("r1", "L1", "x-Unknown-1"),
        record("r2", "L2", "x-Unknown-2"),
    ];
    let mut facts: HashMap<String, LeaseFacts> = HashMap::new();
    facts.insert("L1".into(), revoked("L1", "r1", 3));
    facts.insert("L2".into(), revoked("L2", "r2", 5));
    let inputs = |facts| Inputs {
        records: &records,
        facts,
        emulator: emulator.state(),
        http: reqwest::Client::new(),
    };
    let clean = inputs(&facts);
    assert!(checks_store::one_lease_per_request(&clean).passed());
    assert!(checks_store::expiry_on_time(&clean, 60).passed());
    assert!(checks::ended_passwords_fail(&clean).await.passed());

    // A lease revoked 90 s late, and a second lease for request r1.
    let mut bad = facts.clone();
    bad.insert("L2".into(), revoked("L2", "r2", 90));
    bad.insert("L3".into(), revoked("L3", "r1", 1));
    let doctored = inputs(&bad);
    let late = checks_store::expiry_on_time(&doctored, 60);
    assert!(
        late.problems.iter().any(|p| p.contains("L2")),
        "{:?}",
        late.problems
    );
    let twice = checks_store::one_lease_per_request(&doctored);
    assert!(
        twice.problems.iter().any(|p| p.contains("L3")),
        "{:?}",
        twice.problems
    );

    // The ended lease's password is still the user's.
    emulator
        .state()
        .add_user(
            entra_emulator::DEMO_TENANT_ID,
            entra_emulator::UserSeed::new(
                "kept",
                entra_emulator::DEMO_DOMAIN,
                "Kept",
                Some("Kept-Passw0rd!"),
            ),
        )
        .expect("user");
    let mut kept = record("r9", "L9", "Kept-Passw0rd!");
    kept.upn = format!("kept@{}", entra_emulator::DEMO_DOMAIN);
    let records = vec![kept];
    let mut f = HashMap::new();
    f.insert("L9".into(), revoked("L9", "r9", 1));
    let live_password = Inputs {
        records: &records,
        facts: &f,
        emulator: emulator.state(),
        http: reqwest::Client::new(),
    };
    let ended = checks::ended_passwords_fail(&live_password).await;
    assert!(
        ended.problems.iter().any(|p| p.contains("L9")),
        "{:?}",
        ended.problems
    );
}
