//! Minimal `application/x-www-form-urlencoded` and HTTP Basic parsing for the token
//! endpoint, which must tolerate any content type and unknown fields like Entra does.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::HashMap;

/// Decodes `a=1&b=x+y%21` into a map; later duplicates win.
pub(crate) fn parse_form(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(pair), String::new()),
        })
        .collect()
}

/// Percent-decoding with `+` as space; malformed escapes are kept literally.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Client id and secret from `Authorization: Basic …` (each form-urlencoded per RFC 6749).
pub(crate) fn basic_credentials(header: Option<&str>) -> Option<(String, String)> {
    let encoded = header?
        .strip_prefix("Basic ")
        .or_else(|| header?.strip_prefix("basic "))?;
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((percent_decode(id), percent_decode(secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms() {
        let form = parse_form(
            b"grant_type=client_credentials&scope=https%3A%2F%2Fx%2F.default&a=b+c&bad=%zz&end=%4",
        );
        assert_eq!(form["grant_type"], "client_credentials");
        assert_eq!(form["scope"], "https://x/.default");
        assert_eq!(form["a"], "b c");
        assert_eq!(form["bad"], "%zz");
        assert_eq!(form["end"], "%4");
    }

    #[test]
    fn decodes_basic() {
        let header = format!("Basic {}", STANDARD.encode("id:s%3Acret"));
        assert_eq!(
            basic_credentials(Some(&header)),
            Some(("id".to_string(), "s:cret".to_string()))
        );
        assert_eq!(basic_credentials(Some("Bearer x")), None);
    }
}
