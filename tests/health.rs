//! Health: `/healthz` answers while the process lives; `/readyz` is 200 while every
//! dependency is there, 503 (saying which check failed) while NATS is down, and 200 again
//! once NATS is back on the same port with the same store.

mod helpers;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use entra_emulator::EmulatorConfig;
use helpers::TestApp;
use leasehold::app::Components;
use leasehold_command::Policy;
use serde_json::Value;

/// A plain `nats-server -js` of this test's own, restartable on the same port and store.
struct OwnNats {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl OwnNats {
    async fn start() -> OwnNats {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("lh-health-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("store dir");
        let mut nats = OwnNats {
            child: None,
            port,
            dir,
        };
        nats.restart().await;
        nats
    }

    async fn restart(&mut self) {
        let bin =
            std::env::var("NATS_SERVER_BIN").unwrap_or_else(|_| "/usr/sbin/nats-server".into());
        let child = Command::new(bin)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.dir.join("js"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        self.child = Some(child);
        let mut poll =
            leasehold_testkit::Poll::new(Duration::from_secs(15), Duration::from_millis(20));
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                poll.again().await,
                "nats-server did not listen on {}",
                self.port
            );
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for OwnNats {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// GETs `url`; the status and the JSON body (Null when there was no answer).
async fn get(http: &reqwest::Client, url: &str) -> (u16, Value) {
    match http.get(url).timeout(Duration::from_secs(10)).send().await {
        Ok(reply) => {
            let status = reply.status().as_u16();
            (status, reply.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

/// Polls `url` until it answers `status`; returns the body.
async fn wait_status(http: &reqwest::Client, url: &str, status: u16, within: Duration) -> Value {
    let mut poll = leasehold_testkit::Poll::new(within, Duration::from_millis(100));
    loop {
        let (got, body) = get(http, url).await;
        if got == status {
            return body;
        }
        assert!(
            poll.again().await,
            "{url} never answered {status}; last {got} {body}"
        );
    }
}

fn check<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no {name} check in {body}"))
}

#[tokio::test]
async fn readiness_follows_nats_going_away_and_coming_back() {
    let mut nats = OwnNats::start().await;
    let metrics = format!("127.0.0.1:{}", free_port());
    let app = TestApp::spawn_custom(
        EmulatorConfig::default(),
        Components::ALL,
        Policy::allow_all(),
        |c| {
            c.nats_url = nats.url();
            c.metrics_listen = Some(metrics.parse().expect("addr"));
        },
    )
    .await;
    let http = &app.http;
    let ready = format!("http://{metrics}/readyz");
    let alive = format!("http://{metrics}/healthz");

    let body = wait_status(http, &ready, 200, Duration::from_secs(30)).await;
    assert_eq!(body["status"], "ready", "{body}");
    for name in [
        "postgres",
        "nats",
        "jetstream",
        "consumers",
        "master_key",
        "components",
    ] {
        assert_eq!(check(&body, name)["ok"], true, "{name} in {body}");
    }

    nats.kill();
    let body = wait_status(http, &ready, 503, Duration::from_secs(30)).await;
    assert_eq!(body["status"], "not_ready", "{body}");
    assert_eq!(check(&body, "nats")["ok"], false, "{body}");
    assert_eq!(check(&body, "postgres")["ok"], true, "{body}");
    let (status, _) = get(http, &alive).await;
    assert_eq!(status, 200, "liveness does not depend on NATS");

    nats.restart().await;
    let body = wait_status(http, &ready, 200, Duration::from_secs(60)).await;
    assert_eq!(check(&body, "consumers")["ok"], true, "{body}");

    app.stop().await;
}
