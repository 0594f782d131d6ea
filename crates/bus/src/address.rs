//! Server URLs: the credentials in them are split off before async-nats sees the
//! addresses (its connector logs every address it dials, userinfo included).

use leasehold_redact::{mask_url, MASK};
use percent_encoding::percent_decode_str;
use url::Url;

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
}
