//! Who caused a change: a NATS subject token for clients, a sign-in name for people
//! signed in through the HTTP gateway, `system:<component>` for us.

use serde::{Deserialize, Serialize};

use super::slug::check_slug;
use super::string_newtype;
use crate::ParseError;

/// Prefix that marks an actor as one of leasehold's own components.
const SYSTEM_PREFIX: &str = "system:";

/// The actor behind a command, recorded for audit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Actor(String);

impl Actor {
    /// Parses a subject token `[A-Za-z0-9_-]{1,64}`, `system:<component>`, or a
    /// person's lower-case sign-in name `local@domain.tld` (at most 113 characters; see
    /// [`Actor::is_person`]).
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        if let Some(component) = value.strip_prefix(SYSTEM_PREFIX) {
            check_slug("actor", component)?;
            return Ok(Self(value.to_owned()));
        }
        if value.contains('@') {
            return if is_sign_in_name(value) {
                Ok(Self(value.to_owned()))
            } else {
                Err(ParseError::new(
                    "actor",
                    "a person's actor is a lower-case sign-in name local@domain.tld",
                    value,
                ))
            };
        }
        let token_ok = (1..=64).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !token_ok {
            return Err(ParseError::new(
                "actor",
                "must be 1-64 of A-Z a-z 0-9 '_' '-', or system:<component>",
                value,
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The actor for one of leasehold's own components, e.g. `Actor::system("scheduler")`.
    ///
    /// Infallible because components are named in code: characters outside `[a-z0-9-]`
    /// become `-` and the name is cut to 64 chars, so the result always re-parses.
    pub fn system(component: &str) -> Self {
        let mut slug: String = component
            .chars()
            .take(64)
            .map(|c| match c {
                'a'..='z' | '0'..='9' => c,
                'A'..='Z' => c.to_ascii_lowercase(),
                _ => '-',
            })
            .collect();
        let trimmed = slug.trim_matches('-');
        slug = if trimmed.is_empty() {
            "unknown".to_owned()
        } else {
            trimmed.to_owned()
        };
        Self(format!("{SYSTEM_PREFIX}{slug}"))
    }

    /// True for `system:<component>` actors (automatic actions such as expiry).
    pub fn is_system(&self) -> bool {
        self.0.starts_with(SYSTEM_PREFIX)
    }

    /// True for a person's sign-in name (`alice@contoso.com`). Such an actor can never
    /// be a NATS subject token (its domain has a dot), so only a delegate such as the
    /// HTTP gateway can name it.
    pub fn is_person(&self) -> bool {
        self.0.contains('@')
    }

    /// The actor as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype!(Actor);

/// `local@domain.tld` in lower case: a local part of `[a-z0-9._%+'-]`, a domain of
/// dot-separated `[a-z0-9-]` labels with at least one dot, 113 characters at most (the
/// longest UPN Entra allows).
fn is_sign_in_name(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.len())
        && local.bytes().all(
            |b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'%' | b'+' | b'\'' | b'-'),
        );
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
        });
    value.len() <= 113 && local_ok && domain_ok
}
