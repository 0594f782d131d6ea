//! TLS set-up: every TLS connection uses rustls with the ring provider.

/// Installs ring as rustls's process-wide crypto provider (idempotent).
pub fn install_ring_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
