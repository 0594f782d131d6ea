//! Server URLs: the credentials in them are split off before async-nats sees the
//! addresses (its connector logs every address it dials, userinfo included), and one
//! function shows any URL with its secrets masked.

use percent_encoding::percent_decode_str;
use url::Url;

/// What stands in for a masked secret.
const MASK: &str = "***";

/// Query parameters that carry a secret (`postgres://h/db?password=…`).
const SECRET_PARAMS: &[&str] = &["password", "pass", "token", "secret", "sslpassword"];

/// A login given inside a server URL.
#[derive(Clone, PartialEq, Eq)]
pub enum UrlLogin {
    /// `nats://user:password@host`.
    UserPassword {
        /// The user.
        user: String,
        /// The password, percent-decoded.
        password: String,
    },
    /// `nats://token@host`.
    Token(String),
}

impl std::fmt::Debug for UrlLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UrlLogin::UserPassword { user, .. } => write!(f, "UserPassword({user}, {MASK})"),
            UrlLogin::Token(_) => write!(f, "Token({MASK})"),
        }
    }
}

/// Server URLs without credentials, and the login the first of them carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Servers {
    /// `scheme://host:port` of each server, in the order given.
    pub addresses: Vec<String>,
    /// The login found in the URLs, if any.
    pub login: Option<UrlLogin>,
}

/// Splits a comma-separated list of NATS URLs (`nats://`, `tls://`, `ws://` or a bare
/// `host:port`) into credential-free addresses and the login they carried.
pub fn split_servers(urls: &str) -> Result<Servers, String> {
    let mut addresses = Vec::new();
    let mut login = None;
    for raw in urls.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let with_scheme = if raw.contains("://") {
            raw.to_string()
        } else {
            format!("nats://{raw}")
        };
        let mut url = Url::parse(&with_scheme)
            .map_err(|e| format!("invalid NATS URL {}: {e}", mask_url(raw)))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("NATS URL {} has no host", mask_url(raw)));
        }
        let user = decode(url.username());
        let password = url.password().map(decode);
        if login.is_none() && !user.is_empty() {
            login = Some(match password {
                Some(password) => UrlLogin::UserPassword { user, password },
                None => UrlLogin::Token(user),
            });
        }
        // Both setters only fail for URLs that cannot have a host, excluded above.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        addresses.push(url.as_str().trim_end_matches('/').to_string());
    }
    if addresses.is_empty() {
        return Err("no NATS server URL given".to_string());
    }
    Ok(Servers { addresses, login })
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// Any URL (or comma-separated list of URLs) as it may be shown: password, token-like
/// user and secret query parameters replaced by `***`.
///
/// `nats://alice:hunter2@h:4222` → `nats://alice:***@h:4222`; `nats://TOKEN@h` →
/// `nats://***@h`; `postgres://u:pw@h/db?password=x` → `postgres://u:***@h/db?password=***`.
/// The one place leasehold masks a URL: the config check, the demo, the CLI and the
/// engine all call it.
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
    fn credentials_are_split_off_and_decoded() {
        let s = split_servers("nats://alice:p%40ss@127.0.0.1:4222, nats://h2:4223").expect("ok");
        assert_eq!(s.addresses, ["nats://127.0.0.1:4222", "nats://h2:4223"]);
        assert_eq!(
            s.login,
            Some(UrlLogin::UserPassword {
                user: "alice".into(),
                password: "p@ss".into()
            })
        );
        let t = split_servers("tls://tok@h:1").expect("ok");
        assert_eq!(t.addresses, ["tls://h:1"]);
        assert_eq!(t.login, Some(UrlLogin::Token("tok".into())));
        let bare = split_servers("127.0.0.1:4222").expect("ok");
        assert_eq!(bare.addresses, ["nats://127.0.0.1:4222"]);
        assert_eq!(bare.login, None);
        assert!(split_servers("").is_err());
        let err = split_servers("nats://u:hunter2@[::1").expect_err("bad");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(!format!("{:?}", s.login).contains("p@ss"));
    }

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
