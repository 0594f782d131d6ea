//! Metrics over HTTP: leases by status, failing revocations and backlogs from the
//! database; lifecycle, request and Graph counters and histograms from the process.

mod helpers;

use std::time::Duration;

use entra_emulator::{FaultConfig, ThrottleConfig};
use helpers::TestApp;
use leasehold_api::{ErrorCode, Operation};
use leasehold_testkit::Poll;
use serde_json::json;

/// `/metrics` served for one test's engine, as `metrics_listen` serves it.
struct MetricsServer {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl MetricsServer {
    async fn start(app: &TestApp) -> Self {
        let listener = leasehold::metrics::bind("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("bind");
        let url = format!("http://{}/metrics", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(leasehold::metrics::serve(
            app.db.pool.clone(),
            listener,
            async move {
                let _ = stopped.await;
            },
        ));
        Self { url, stop, server }
    }

    async fn scrape(&self, app: &TestApp) -> String {
        app.http
            .get(&self.url)
            .send()
            .await
            .expect("scrape")
            .text()
            .await
            .expect("text")
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.server.await.expect("join").expect("serve");
    }
}

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

    let metrics = MetricsServer::start(&app).await;
    let scrape = || metrics.scrape(&app);

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
    metrics.stop().await;
    app.stop().await;
}

/// The value of the sample `series` (name and labels exactly as encoded), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let (s, v) = l.rsplit_once(' ')?;
        (s == series).then(|| v.parse().ok()).flatten()
    })
}

#[tokio::test]
async fn a_lease_lifecycle_shows_in_the_counters_and_histograms() {
    let app = TestApp::spawn().await;
    // A connection of its own, so other tests of this binary do not move its series.
    app.connect_named("metered").await;
    app.admin
        .command(
            Operation::SecretCreate,
            &json!({
                "connection": "metered",
                "prefix": "met",
                "users": ["alice@contoso.onmicrosoft.com", "bob@contoso.onmicrosoft.com"],
                "default_ttl": "1h",
                "max_ttl": "2h",
            }),
        )
        .await
        .expect("secret.create");

    let metrics = MetricsServer::start(&app).await;
    let scrape = || metrics.scrape(&app);
    let counted = |text: &str, prefix: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
            .sum()
    };
    let wait_for = |prefix: &'static str| async move {
        let mut poll = Poll::new(Duration::from_secs(60), Duration::from_millis(50));
        loop {
            let text = scrape().await;
            if counted(&text, prefix) >= 1.0 {
                return;
            }
            assert!(poll.again().await, "no {prefix} in\n{text}");
        }
    };

    // One lease is left to expire (after the others' trouble, most likely).
    let expiring = app
        .admin
        .command(
            Operation::LeaseCreate,
            &json!({ "secret": "met-bob", "ttl": "15s" }),
        )
        .await
        .expect("lease");
    let expiring_id = expiring["lease"]["lease_id"]
        .as_str()
        .expect("id")
        .to_string();
    // The next lease is activated while Graph answers 503 or 504, so its activation is
    // retried; once a retry is counted, Graph recovers and the lease activates.
    app.emulator.state().set_faults(FaultConfig {
        error_rate: 1.0,
        ..Default::default()
    });
    let admin = app.admin.clone();
    let creating = tokio::spawn(async move {
        admin
            .command(Operation::LeaseCreate, &json!({ "secret": "met-alice" }))
            .await
    });
    wait_for("leasehold_lease_retries_total{connection=\"metered\",stage=\"activation\"}").await;
    app.emulator.state().set_faults(FaultConfig::default());
    let manual = creating.await.expect("join").expect("lease");
    let manual_id = manual["lease"]["lease_id"]
        .as_str()
        .expect("id")
        .to_string();
    app.wait_lease(
        &manual_id,
        Duration::from_secs(60),
        helpers::status_is("active"),
    )
    .await;
    app.admin
        .command(
            Operation::LeaseRenew,
            &json!({ "lease_id": manual_id, "ttl": 5400 }),
        )
        .await
        .expect("renew");
    let refused = app
        .admin
        .command(Operation::LeaseCreate, &json!({ "secret": "met-nobody" }))
        .await
        .expect_err("no such secret");
    assert_eq!(refused.code(), Some(ErrorCode::NotFound), "{refused:?}");

    // It is revoked by hand while the tenant allows one write a second: the revocation's
    // second write meets a 429. Once that is counted the tenant is unthrottled again.
    app.emulator.state().set_throttle(ThrottleConfig {
        enabled: true,
        writes: 1,
        per: Duration::from_secs(1),
    });
    app.admin
        .command(Operation::LeaseRevoke, &json!({ "lease_id": manual_id }))
        .await
        .expect("revoke");
    wait_for("leasehold_graph_throttled_total{").await;
    app.emulator.state().set_throttle(ThrottleConfig::default());

    for id in [&manual_id, &expiring_id] {
        app.wait_lease(id, Duration::from_secs(120), helpers::status_is("revoked"))
            .await;
    }

    let expected = [
        (
            "leasehold_leases_requested_total{connection=\"metered\"}",
            2.0,
        ),
        (
            "leasehold_leases_activated_total{connection=\"metered\"}",
            2.0,
        ),
        (
            "leasehold_leases_renewed_total{connection=\"metered\"}",
            1.0,
        ),
        (
            "leasehold_leases_expired_total{connection=\"metered\"}",
            1.0,
        ),
        (
            "leasehold_leases_revoked_total{connection=\"metered\",reason=\"manual\"}",
            1.0,
        ),
        (
            "leasehold_leases_revoked_total{connection=\"metered\",reason=\"expired\"}",
            1.0,
        ),
    ];
    // The projector counts right after it commits, so the read model may be ahead.
    let mut poll = Poll::new(Duration::from_secs(30), Duration::from_millis(50));
    let text = loop {
        let text = scrape().await;
        if expected.iter().all(|(s, v)| sample(&text, s) == Some(*v)) {
            break text;
        }
        assert!(
            poll.again().await,
            "lifecycle counters never reached {expected:?} in\n{text}"
        );
    };
    let at_least = |series: &str, min: f64| {
        let value = sample(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));
        assert!(value >= min, "{series} = {value}, expected >= {min}");
    };
    at_least("leasehold_lease_revocation_lag_seconds_count", 1.0);
    at_least(
        "leasehold_requests_total{operation=\"lease.create\",code=\"ok\"}",
        2.0,
    );
    at_least(
        "leasehold_requests_total{operation=\"lease.create\",code=\"not_found\"}",
        1.0,
    );
    at_least(
        "leasehold_requests_total{operation=\"lease.renew\",code=\"ok\"}",
        1.0,
    );
    at_least("leasehold_lease_issue_duration_seconds_count", 2.0);
    at_least(
        "leasehold_graph_requests_total{operation=\"set_password\",status=\"204\"}",
        2.0,
    );
    at_least(
        "leasehold_graph_requests_total{operation=\"token\",status=\"200\"}",
        1.0,
    );
    let throttled = counted(&text, "leasehold_graph_throttled_total{");
    let answered_429: f64 = text
        .lines()
        .filter(|l| {
            l.starts_with("leasehold_graph_requests_total{") && l.contains("status=\"429\"")
        })
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum();
    assert!(
        throttled >= 1.0 && throttled == answered_429,
        "429s: {throttled} vs {answered_429}\n{text}"
    );
    at_least(
        "leasehold_lease_retries_total{connection=\"metered\",stage=\"revocation\"}",
        1.0,
    );
    at_least(
        "leasehold_graph_request_duration_seconds_count{operation=\"set_password\"}",
        2.0,
    );
    at_least("process_resident_memory_bytes", 1.0);
    at_least("process_cpu_seconds_total", 0.0);
    at_least("process_open_fds", 1.0);
    at_least(
        &format!(
            "leasehold_build_info{{version=\"{}\",profile=\"debug\"}}",
            env!("CARGO_PKG_VERSION")
        ),
        1.0,
    );
    metrics.stop().await;
    app.stop().await;
}
