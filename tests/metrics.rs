//! Metrics: leases by status, failing revocations and backlogs, over HTTP.

mod helpers;

use std::time::Duration;

use entra_emulator::FaultConfig;
use helpers::TestApp;
use leasehold_api::Operation;
use serde_json::json;

fn value(text: &str, series: &str) -> i64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

#[tokio::test]
async fn a_failing_revocation_shows_in_metrics() {
    let app = TestApp::spawn().await;
    app.connect().await;
    app.secrets("m", &["alice"], "1h", "2h").await;
    let lease = app
        .admin
        .command(Operation::LeaseCreate, &json!({ "secret": "m-alice" }))
        .await
        .expect("lease");
    let lease_id = lease["lease"]["lease_id"].as_str().expect("id").to_string();

    let listener = leasehold::metrics::bind("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let pool = app.db.pool.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(leasehold::metrics::serve(pool, listener, async move {
        let _ = stopped.await;
    }));
    let url = format!("http://{addr}/metrics");
    let scrape = || async {
        app.http
            .get(&url)
            .send()
            .await
            .expect("scrape")
            .text()
            .await
            .expect("text")
    };

    app.wait_lease(
        &lease_id,
        Duration::from_secs(30),
        helpers::status_is("active"),
    )
    .await;
    assert_eq!(
        value(&scrape().await, "leasehold_leases{status=\"active\"}"),
        1
    );

    app.emulator.state().set_faults(FaultConfig {
        error_rate: 1.0,
        ..Default::default()
    });
    app.admin
        .command(Operation::LeaseRevoke, &json!({ "lease_id": lease_id }))
        .await
        .expect("revoke");
    app.wait_lease(&lease_id, Duration::from_secs(60), |l| {
        l["revocation_failing"] == true
    })
    .await;
    let text = scrape().await;
    assert_eq!(value(&text, "leasehold_leases_revocation_failing"), 1);
    assert_eq!(value(&text, "leasehold_leases{status=\"revoking\"}"), 1);

    app.emulator.state().set_faults(FaultConfig::default());
    app.wait_lease(
        &lease_id,
        Duration::from_secs(120),
        helpers::status_is("revoked"),
    )
    .await;
    let text = scrape().await;
    assert_eq!(value(&text, "leasehold_leases_revocation_failing"), 0);
    assert!(value(&text, "leasehold_events") > 0);
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
    app.stop().await;
}
