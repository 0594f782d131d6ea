//! Tokens cached per credentials, with at most one refresh in flight per key.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

use crate::credentials::CacheKey;
use crate::error::GraphError;
use crate::token::AccessToken;

/// A token with the instant it stops being reused, and a generation to tell tokens apart.
#[derive(Clone)]
pub(crate) struct CachedToken {
    pub token: AccessToken,
    pub generation: u64,
    refresh_at: Instant,
}

/// One key's slot; its async lock is held while a refresh is in flight, so callers
/// arriving meanwhile wait for that refresh instead of starting their own.
type Slot = Arc<tokio::sync::Mutex<Option<CachedToken>>>;

/// Map from credentials to their token slot.
#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<CacheKey, Slot>>,
    generations: std::sync::atomic::AtomicU64,
}

impl TokenCache {
    fn slot(&self, key: &CacheKey) -> Slot {
        // A poisoned map only means another thread panicked between two map operations;
        // the map itself is always consistent, so keep using it.
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = slots.get(key) {
            return slot.clone();
        }
        // Drop slots nobody is using whose token is gone or stale (e.g. rotated secrets).
        let now = Instant::now();
        slots.retain(|_, slot| {
            Arc::strong_count(slot) > 1
                || slot
                    .try_lock()
                    .map(|t| t.as_ref().is_some_and(|t| t.refresh_at > now))
                    .unwrap_or(true)
        });
        slots.entry(key.clone()).or_default().clone()
    }

    /// The cached token for `key` if still fresh, else one obtained from `fetch` (which
    /// runs for one caller only while the others wait for its result).
    ///
    /// `force` ignores a cached token (to prove credentials, or after Graph rejected it).
    pub async fn get<F, Fut>(
        &self,
        key: &CacheKey,
        margin: Duration,
        force: Option<ForceRefresh>,
        fetch: F,
    ) -> Result<CachedToken, GraphError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken, GraphError>>,
    {
        let slot = self.slot(key);
        let mut cached = slot.lock().await;
        if let Some(token) = cached.as_ref() {
            let stale = match force {
                Some(ForceRefresh::Always) => true,
                // Someone else may already have replaced the rejected token: reuse theirs.
                Some(ForceRefresh::Replacing(generation)) => token.generation == generation,
                None => false,
            };
            if !stale && Instant::now() < token.refresh_at {
                return Ok(token.clone());
            }
        }
        let requested_at = Instant::now();
        let token = fetch().await?;
        // Refresh `margin` before expiry, but never later than half-way through the
        // lifetime, so short-lived tokens are still reused.
        let margin = margin.min(token.lifetime / 2);
        let fresh = CachedToken {
            refresh_at: requested_at + token.lifetime.saturating_sub(margin),
            generation: self
                .generations
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            token,
        };
        *cached = Some(fresh.clone());
        Ok(fresh)
    }
}

/// Why a cached token must not be reused.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ForceRefresh {
    /// Always fetch a new token.
    Always,
    /// Graph rejected the token of this generation; replace it unless already replaced.
    Replacing(u64),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::CloudEndpoints;
    use crate::credentials::Credentials;
    use secrecy::SecretString;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn key(secret: &str) -> CacheKey {
        Credentials::new(
            "t",
            "c",
            SecretString::from(secret.to_string()),
            CloudEndpoints::global(),
        )
        .cache_key()
    }

    fn token(secs: u64) -> AccessToken {
        AccessToken {
            secret: SecretString::from("tok".to_string()),
            lifetime: Duration::from_secs(secs),
        }
    }

    const MARGIN: Duration = Duration::from_secs(300);

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_fetch() {
        let cache = TokenCache::default();
        let fetches = AtomicU32::new(0);
        let k = key("s");
        let calls = (0..50).map(|_| {
            cache.get(&k, MARGIN, None, || async {
                fetches.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(token(3599))
            })
        });
        let results = futures::future::join_all(calls).await;
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn refreshes_margin_before_expiry() {
        let cache = TokenCache::default();
        let fetches = AtomicU32::new(0);
        let k = key("s");
        let get = || {
            cache.get(&k, MARGIN, None, || async {
                fetches.fetch_add(1, Ordering::SeqCst);
                Ok(token(3600))
            })
        };
        get().await.expect("first");
        tokio::time::advance(Duration::from_secs(3600 - 301)).await;
        get().await.expect("still cached");
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(2)).await;
        get().await.expect("refreshed");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn replacing_a_rejected_token_happens_once() {
        let cache = TokenCache::default();
        let k = key("s");
        let first = cache
            .get(&k, MARGIN, None, || async { Ok(token(3599)) })
            .await
            .expect("first");
        let second = cache
            .get(
                &k,
                MARGIN,
                Some(ForceRefresh::Replacing(first.generation)),
                || async { Ok(token(3599)) },
            )
            .await
            .expect("second");
        assert_ne!(first.generation, second.generation);
        let third = cache
            .get(
                &k,
                MARGIN,
                Some(ForceRefresh::Replacing(first.generation)),
                || async { panic!("must reuse the replacement") },
            )
            .await
            .expect("third");
        assert_eq!(third.generation, second.generation);
    }

    #[tokio::test(start_paused = true)]
    async fn rotated_secret_is_a_separate_entry() {
        let cache = TokenCache::default();
        let fetches = AtomicU32::new(0);
        for secret in ["old", "new", "old"] {
            cache
                .get(&key(secret), MARGIN, None, || async {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    Ok(token(3599))
                })
                .await
                .expect("token");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }
}
