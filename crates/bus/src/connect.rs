//! Connecting to NATS with an error that says how to start it.

use std::time::Duration;

/// Why NATS could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The server did not answer.
    #[error(
        "cannot reach NATS at {url}: {reason}. Start it with `docker compose up -d nats`, or \
         `nats-server -js` on this host, or set LEASEHOLD_NATS_URL"
    )]
    Unreachable {
        /// The URL tried, with any password masked.
        url: String,
        /// The client's reason.
        reason: String,
    },
    /// JetStream is not enabled on the server, or a stream/consumer call failed.
    #[error("JetStream: {0}")]
    JetStream(String),
}

/// `tracing` directives every leasehold process adds to its log filter, whatever level
/// it runs at: async-nats logs each message it reads or writes, payload included, and
/// its CONNECT line with the password, at TRACE — and leasehold payloads carry client
/// secrets (requests) and leased passwords (credential replies). At DEBUG it logs
/// subjects only.
pub const LOG_DIRECTIVES: &[&str] = &["async_nats=debug"];

/// Connects to `url`, failing within a few seconds when nothing answers.
///
/// `nats://user:password@host:port` logs in with that user and `nats://token@host` with
/// that token (async-nats itself ignores credentials in the URL); replies arrive on the default `_INBOX.` prefix.
pub async fn connect(url: &str, name: &str) -> Result<async_nats::Client, BusError> {
    connect_with_inbox(url, name, None).await
}

/// Like [`connect`], with replies to this client's requests on `<inbox_prefix>.<id>`.
///
/// NATS permissions can then let each user subscribe only to its own inbox prefix
/// (see [`crate::actor_inbox_prefix`] and `deploy/nats/leasehold.conf`), so one actor
/// cannot read the replies, and thus the credentials, meant for another.
pub async fn connect_with_inbox(
    url: &str,
    name: &str,
    inbox_prefix: Option<&str>,
) -> Result<async_nats::Client, BusError> {
    let mut options = async_nats::ConnectOptions::new()
        .name(name)
        .connection_timeout(Duration::from_secs(3))
        .retry_on_initial_connect()
        .max_reconnects(None);
    match url_credentials(url) {
        Some((user, Some(password))) => options = options.user_and_password(user, password),
        Some((token, None)) => options = options.token(token),
        None => {}
    }
    if let Some(prefix) = inbox_prefix {
        options = options.custom_inbox_prefix(prefix);
    }
    // A cluster is given as a comma-separated list of server URLs.
    let servers: Vec<&str> = url
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    options
        .connect(servers)
        .await
        .map_err(|e| BusError::Unreachable {
            url: mask_password(url),
            reason: e.to_string(),
        })
}

/// The user and password (or, without a password, the token) of the first server URL
/// that carries them, percent-decoded.
fn url_credentials(urls: &str) -> Option<(String, Option<String>)> {
    urls.split(',').find_map(|url| {
        let addr: async_nats::ServerAddr = url.trim().parse().ok()?;
        let user = addr.username()?;
        Some((percent_decode(user), addr.password().map(percent_decode)))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `nats://user:secret@host` → `nats://user:***@host`, for messages and logs.
pub fn mask_password(urls: &str) -> String {
    urls.split(',')
        .map(|url| {
            let Some((scheme, rest)) = url.split_once("://") else {
                return url.to_string();
            };
            match rest.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
                    None => format!("{scheme}://***@{host}"),
                },
                None => url.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_from_the_url_and_never_show() {
        assert_eq!(
            url_credentials("nats://alice:p%40ss@127.0.0.1:4222"),
            Some(("alice".into(), Some("p@ss".into())))
        );
        assert_eq!(
            url_credentials("nats://tok@h:1"),
            Some(("tok".into(), None))
        );
        assert_eq!(url_credentials("nats://127.0.0.1:4222"), None);
        assert_eq!(
            mask_password("nats://alice:hunter2@h:1,nats://h2:2"),
            "nats://alice:***@h:1,nats://h2:2"
        );
        assert_eq!(mask_password("nats://tok@h:1"), "nats://***@h:1");
    }
}
