//! https with a generated certificate, trusted through the printed CA file.

mod helpers;

use entra_emulator::{Emulator, EmulatorConfig};
use helpers::*;

#[tokio::test]
async fn https_with_generated_ca() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let emu = Emulator::start(
        EmulatorConfig {
            tls: true,
            ..EmulatorConfig::default()
        },
        listener,
    )
    .await
    .expect("start");
    assert!(emu.base_url().starts_with("https://127.0.0.1:"));
    let ca = std::fs::read(emu.ca_cert_path().expect("ca path")).expect("ca file");
    let cert = reqwest::Certificate::from_pem(&ca).expect("pem");
    let http = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([cert])
        .build()
        .expect("client");
    for host in ["127.0.0.1", "localhost"] {
        let base = emu.base_url().replace("127.0.0.1", host);
        let url = format!("{base}/{TENANT}/v2.0/.well-known/openid-configuration");
        let doc: serde_json::Value = http
            .get(url)
            .send()
            .await
            .expect("https get")
            .json()
            .await
            .expect("json");
        assert!(doc["token_endpoint"]
            .as_str()
            .expect("endpoint")
            .starts_with("https://"));
    }
    let response = http
        .post(format!("{}/{TENANT}/oauth2/v2.0/token", emu.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", &format!("{}/.default", emu.base_url())),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), 200);
    // An untrusting client fails the handshake without disturbing the server.
    let untrusting = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([])
        .build()
        .expect("client");
    assert!(untrusting.get(emu.base_url()).send().await.is_err());
    assert_eq!(
        http.get(format!("{}/_emulator/health", emu.base_url()))
            .send()
            .await
            .expect("health")
            .status(),
        200
    );
    emu.shutdown().await;
}
