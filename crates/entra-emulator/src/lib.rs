//! A faithful local stand-in for the Microsoft identity platform token endpoint and the
//! Microsoft Graph users API, for leasehold's tests, demo and try-out without a tenant.
//!
//! Start one with [`Emulator::start`] on a listener of your choosing; steer it in-process
//! through [`EmulatorHandle`] or over HTTP under `/_emulator/`. See `docs/emulator.md`.

mod aad_error;
mod admin;
mod authorize;
mod claims;
mod clock;
mod codes;
mod config;
mod directory;
mod duration_serde;
mod error;
mod faults;
mod filter;
mod form;
mod graph_auth;
mod graph_error;
mod graph_layer;
mod handle;
mod jwt;
mod oidc;
pub mod password_policy;
mod request_log;
mod secret_hash;
mod seed;
mod server;
mod shared;
mod tap_methods;
mod tap_policy;
mod throttle;
mod tls;
mod token;
mod token_client;
mod token_code;
mod token_user;
mod user;
mod user_props;
mod user_roles;
mod users;
mod users_count;
mod users_query;
mod users_write;

pub use claims::{GRAPH_APP_ID, GRAPH_RESOURCE};
pub use config::{EmulatorConfig, FaultConfig, ThrottleConfig};
pub use error::EmulatorError;
pub use handle::EmulatorHandle;
pub use request_log::{LoggedRequest, RequestKind};
pub use seed::{
    AppSeed, ClientSecretSeed, RoleAssignmentSeed, Seed, TenantSeed, UserRoleSeed, UserSeed,
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_DOMAIN, DEMO_TENANT_ID, DEMO_USER_PASSWORD,
};
pub use tap_policy::TapPolicy;
pub use user::{password_hash, UserView, LOCKOUT_THRESHOLD};

use anyhow::Context;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running emulator. Dropping it without [`Emulator::shutdown`] leaves the server task
/// running until the runtime ends.
pub struct Emulator {
    handle: EmulatorHandle,
    ca_cert_path: Option<PathBuf>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Emulator {
    /// Serves `config` on `listener` (bind port 0 in tests) and returns at once.
    pub async fn start(
        config: EmulatorConfig,
        listener: tokio::net::TcpListener,
    ) -> anyhow::Result<Emulator> {
        let local = listener
            .local_addr()
            .context("reading the listener's address")?;
        let host = match local.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let base_url = base_url(config.tls, SocketAddr::new(host, local.port()));
        config.seed.validate().context("invalid emulator seed")?;
        let shared =
            Arc::new(shared::Shared::new(&config, base_url).context("loading the emulator seed")?);
        let app = server::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let (task, ca_cert_path) = if config.tls {
            let tls =
                tls::TlsSetup::generate().context("generating the emulator's TLS certificate")?;
            let ca = tls.ca_path.clone();
            let listener = tls::TlsListener::new(listener, tls.acceptor);
            let task = tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
                {
                    tracing::error!(error = %e, "emulator server failed");
                }
            });
            (task, Some(ca))
        } else {
            let task = tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
                {
                    tracing::error!(error = %e, "emulator server failed");
                }
            });
            (task, None)
        };
        tracing::info!(base_url = %shared.base_url, "entra emulator listening");
        Ok(Emulator {
            handle: EmulatorHandle { shared },
            ca_cert_path,
            stop: Some(stop),
            task,
        })
    }

    /// `http://127.0.0.1:PORT`, or `https://…` with TLS: the authority host and Graph host.
    pub fn base_url(&self) -> &str {
        self.handle.base_url()
    }

    /// PEM file of the self-signed certificate clients must trust, when serving https.
    pub fn ca_cert_path(&self) -> Option<&Path> {
        self.ca_cert_path.as_deref()
    }

    /// In-process control: users, faults, throttle, lag, clock, request log.
    pub fn state(&self) -> EmulatorHandle {
        self.handle.clone()
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), then stops and removes
    /// the generated CA file, if any.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
        if let Some(dir) = self.ca_cert_path.as_deref().and_then(Path::parent) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// `http://127.0.0.1:PORT` or `https://…`; a default port (80, 443) is left out, as
/// clients write the URL (MSAL asks `https://<host>/common/userrealm/…` without one).
fn base_url(tls: bool, address: SocketAddr) -> String {
    let (scheme, default_port) = if tls { ("https", 443) } else { ("http", 80) };
    if address.port() != default_port {
        return format!("{scheme}://{address}");
    }
    match address.ip() {
        IpAddr::V6(ip) => format!("{scheme}://[{ip}]"),
        IpAddr::V4(ip) => format!("{scheme}://{ip}"),
    }
}

/// Loads `path` (or the demo seed when `None`), serves on `addr`, prints the base URL (and
/// CA path with TLS) and runs until ctrl-c. For the `leasehold emulator` command.
pub async fn run_from_file(path: Option<&Path>, addr: SocketAddr) -> anyhow::Result<()> {
    let config = match path {
        Some(p) => EmulatorConfig::from_file(p)?,
        None => EmulatorConfig::default(),
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the emulator to {addr}"))?;
    let emulator = Emulator::start(config, listener).await?;
    println!("Entra emulator listening on {}", emulator.base_url());
    if let Some(ca) = emulator.ca_cert_path() {
        println!("CA certificate: {}", ca.display());
    }
    tokio::signal::ctrl_c()
        .await
        .context("waiting for ctrl-c")?;
    emulator.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_leave_default_ports_out() {
        let at = |s: &str| s.parse::<SocketAddr>().expect("address");
        assert_eq!(base_url(true, at("127.0.0.1:443")), "https://127.0.0.1");
        assert_eq!(base_url(false, at("127.0.0.1:80")), "http://127.0.0.1");
        assert_eq!(
            base_url(true, at("127.0.0.1:8400")),
            "https://127.0.0.1:8400"
        );
        assert_eq!(base_url(false, at("127.0.0.1:443")), "http://127.0.0.1:443");
        assert_eq!(base_url(true, at("[::1]:443")), "https://[::1]");
    }
}
