//! `application/x-www-form-urlencoded` (the `url` crate's) and HTTP Basic parsing for the
//! token endpoint, which must tolerate any content type and unknown fields like Entra does.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::HashMap;

/// Decodes `a=1&b=x+y%21` into a map; later duplicates win; malformed escapes are
/// kept literally.
pub(crate) fn parse_form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// One form-urlencoded value (`+` is a space).
fn form_value(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Client id and secret from `Authorization: Basic …` (each form-urlencoded per RFC 6749).
pub(crate) fn basic_credentials(header: Option<&str>) -> Option<(String, String)> {
    let encoded = header?
        .strip_prefix("Basic ")
        .or_else(|| header?.strip_prefix("basic "))?;
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((form_value(id), form_value(secret)))
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
