//! The signing keys and issuers of the allowed tenants, read from their OIDC discovery
//! documents and JWKS, cached, and read again when a token names a key not yet known
//! (key rollover) — at most once per `jwks_refresh_secs`, so tokens with made-up key ids
//! cannot make the gateway hammer the identity provider.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::HttpSettings;

/// What a token is checked against.
#[derive(Clone)]
pub struct Trust {
    /// `tid` → the issuer its discovery document names.
    pub issuers: HashMap<String, String>,
    /// The key the token's `kid` names, if known.
    pub key: Option<DecodingKey>,
}

#[derive(Default)]
struct Cache {
    issuers: HashMap<String, String>,
    keys: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

/// Discovery and keys of the tenants in the allow-list.
pub struct KeySource {
    authority: String,
    tenants: Vec<String>,
    refresh: Duration,
    http: reqwest::Client,
    cache: Mutex<Cache>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl KeySource {
    /// A source for the tenants and authority of `settings`; nothing is fetched yet.
    pub fn new(settings: &HttpSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .context("build the HTTP client for OIDC discovery")?;
        Ok(Self {
            authority: settings.authority.trim_end_matches('/').to_string(),
            tenants: settings.tenants.clone(),
            refresh: Duration::from_secs(settings.jwks_refresh_secs),
            http,
            cache: Mutex::new(Cache::default()),
        })
    }

    /// The issuers and the key `kid`, fetching the documents on first use and again
    /// when `kid` is unknown and the last fetch is older than the refresh interval.
    pub async fn trust(&self, kid: &str) -> anyhow::Result<Trust> {
        // Held across the fetch: concurrent requests wait for one fetch, not make many.
        let mut cache = self.cache.lock().await;
        let due = match cache.fetched_at {
            None => true,
            Some(at) => !cache.keys.contains_key(kid) && at.elapsed() >= self.refresh,
        };
        if due {
            match self.fetch().await {
                Ok(fresh) => *cache = fresh,
                Err(e) => {
                    // A failed refetch counts against the bound too, once there are
                    // keys to go on with.
                    if !cache.keys.is_empty() {
                        cache.fetched_at = Some(Instant::now());
                    }
                    return Err(e);
                }
            }
        }
        Ok(Trust {
            issuers: cache.issuers.clone(),
            key: cache.keys.get(kid).cloned(),
        })
    }

    async fn fetch(&self) -> anyhow::Result<Cache> {
        let mut cache = Cache {
            fetched_at: Some(Instant::now()),
            ..Cache::default()
        };
        for tenant in &self.tenants {
            let url = format!(
                "{}/{tenant}/v2.0/.well-known/openid-configuration",
                self.authority
            );
            let discovery: Discovery = self.get_json(&url).await?;
            let jwks: JwkSet = self.get_json(&discovery.jwks_uri).await?;
            for jwk in &jwks.keys {
                let Some(kid) = &jwk.common.key_id else {
                    continue;
                };
                if let Ok(key) = DecodingKey::from_jwk(jwk) {
                    cache.keys.insert(kid.clone(), key);
                }
            }
            cache
                .issuers
                .insert(tenant.to_ascii_lowercase(), discovery.issuer);
        }
        Ok(cache)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> anyhow::Result<T> {
        self.http
            .get(url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .with_context(|| format!("fetch {url}"))?
            .json()
            .await
            .with_context(|| format!("read {url}"))
    }
}
