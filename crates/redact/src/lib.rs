//! Showing a URL without its secrets: the one function every leasehold crate calls
//! before a URL reaches a log line, an error or a printed configuration.

use url::Url;

/// What stands in for a masked secret.
pub const MASK: &str = "***";

/// Query parameters that carry a secret (`postgres://h/db?password=…`).
const SECRET_PARAMS: &[&str] = &["password", "pass", "token", "secret", "sslpassword"];

/// Any URL (or comma-separated list of URLs) as it may be shown: password, token-like
/// user and secret query parameters replaced by `***`.
///
/// `nats://alice:hunter2@h:4222` → `nats://alice:***@h:4222`; `nats://TOKEN@h` →
/// `nats://***@h`; `postgres://u:pw@h/db?password=x` → `postgres://u:***@h/db?password=***`.
/// The one place leasehold masks a URL: the config check, the demo, the CLI, the
/// engine and the store's errors all call it.
pub fn mask_url(urls: &str) -> String {
    urls.split(',')
        .map(|one| mask_one(one.trim()))
        .collect::<Vec<_>>()
        .join(",")
}

fn mask_one(raw: &str) -> String {
    let (text, bare) = if raw.contains("://") {
        (raw.to_string(), false)
    } else {
        (format!("nats://{raw}"), true)
    };
    let Ok(mut url) = Url::parse(&text) else {
        // Unparsable: show it only when nothing in it can be a credential.
        return if raw.contains('@') || raw.contains('?') {
            MASK.to_string()
        } else {
            raw.to_string()
        };
    };
    if url.host_str().is_none_or(str::is_empty) {
        // Nothing to mask it around: show it only when it cannot hold a credential.
        return if raw.contains('@') || raw.contains('?') {
            MASK.to_string()
        } else {
            raw.to_string()
        };
    }
    if url.password().is_some() {
        let _ = url.set_password(Some(MASK));
    } else if !url.username().is_empty() && matches!(url.scheme(), "nats" | "tls" | "ws" | "wss") {
        // In a NATS URL, a user without a password is a token.
        let _ = url.set_username(MASK);
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let secret = SECRET_PARAMS.iter().any(|s| k.eq_ignore_ascii_case(s));
                (
                    k.into_owned(),
                    if secret { MASK.into() } else { v.into_owned() },
                )
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let shown = url.as_str().replace("%2A%2A%2A", MASK);
    if bare {
        shown.trim_start_matches("nats://").to_string()
    } else if raw.ends_with('/') {
        shown
    } else {
        // `Url` adds a `/` path to special schemes; keep what the user wrote.
        shown
            .strip_suffix('/')
            .filter(|_| url.path() == "/")
            .map(str::to_string)
            .unwrap_or(shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_hides_passwords_tokens_and_secret_parameters() {
        assert_eq!(
            mask_url("nats://alice:hunter2@h:1,nats://h2:2"),
            "nats://alice:***@h:1,nats://h2:2"
        );
        assert_eq!(mask_url("nats://tok@h:1"), "nats://***@h:1");
        assert_eq!(mask_url("tls://tok@h:1"), "tls://***@h:1");
        assert_eq!(mask_url("nats://h:4222"), "nats://h:4222");
        assert_eq!(mask_url("127.0.0.1:4222"), "127.0.0.1:4222");
        assert_eq!(
            mask_url("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            mask_url("postgres://u@h/db?password=pw&sslmode=require"),
            "postgres://u@h/db?password=***&sslmode=require"
        );
        assert_eq!(mask_url("garbage:pw@"), "***");
        assert_eq!(mask_url("nats://a:p%40ss@h:1"), "nats://a:***@h:1");
    }
}
