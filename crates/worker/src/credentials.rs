//! Unsealed connection credentials, kept per connection version.
//!
//! Unsealing a connection's client secret means loading the connection's events and its
//! data key and opening the AEAD box. A worker does it once per connection version (the
//! sequence of the connection's last event) instead of once per message; a rotation,
//! update or deletion makes a new version, and the entry of the old one is dropped then
//! (its `SecretString` is zeroized once the last attempt using it lets go).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use leasehold_graph::Credentials;

/// The credentials of each connection at the version they were unsealed at.
#[derive(Default)]
pub(crate) struct CredentialCache {
    entries: Mutex<HashMap<String, (i64, Arc<Credentials>)>>,
}

impl CredentialCache {
    fn entries(&self) -> MutexGuard<'_, HashMap<String, (i64, Arc<Credentials>)>> {
        // A plain map: still consistent if a holder panicked.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The credentials of `connection` at `version`: cached, or unsealed by `load` and
    /// kept in place of any older version's.
    pub(crate) async fn get<E, F, Fut>(
        &self,
        connection: &str,
        version: i64,
        load: F,
    ) -> Result<Arc<Credentials>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Credentials, E>>,
    {
        if let Some((v, creds)) = self.entries().get(connection) {
            if *v == version {
                return Ok(creds.clone());
            }
        }
        let creds = Arc::new(load().await?);
        let mut entries = self.entries();
        let newer_kept = entries
            .get(connection)
            .is_some_and(|(kept, _)| *kept > version);
        if !newer_kept {
            entries.insert(connection.to_string(), (version, creds.clone()));
        }
        Ok(creds)
    }

    /// Drops what is kept for `connection` (it is gone).
    pub(crate) fn forget(&self, connection: &str) {
        self.entries().remove(connection);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leasehold_graph::CloudEndpoints;
    use secrecy::SecretString;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn creds(secret: &str) -> Credentials {
        Credentials::new(
            "tenant",
            "client",
            SecretString::from(secret.to_string()),
            CloudEndpoints::global(),
        )
    }

    #[tokio::test]
    async fn credentials_are_unsealed_once_per_connection_version() {
        let cache = CredentialCache::default();
        let unsealed = AtomicUsize::new(0);
        let load = |secret: &'static str| {
            let unsealed = &unsealed;
            move || async move {
                unsealed.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(creds(secret))
            }
        };
        let first = cache.get("contoso", 1, load("old")).await.expect("first");
        for _ in 0..5 {
            cache.get("contoso", 1, load("old")).await.expect("again");
        }
        assert_eq!(unsealed.load(Ordering::SeqCst), 1);

        // A rotation is a new version: unsealed again, and the old entry let go.
        let old = Arc::downgrade(&first);
        drop(first);
        let rotated = cache.get("contoso", 2, load("new")).await.expect("rotated");
        assert_eq!(unsealed.load(Ordering::SeqCst), 2);
        assert!(
            old.upgrade().is_none(),
            "the old version's secret is still held"
        );
        use secrecy::ExposeSecret;
        assert_eq!(rotated.client_secret.expose_secret(), "new");

        // A load that finishes after a newer version was kept does not replace it.
        cache.get("contoso", 1, load("old")).await.expect("stale");
        let kept = cache.get("contoso", 2, load("new")).await.expect("kept");
        assert_eq!(kept.client_secret.expose_secret(), "new");
        assert_eq!(unsealed.load(Ordering::SeqCst), 3);
    }
}
