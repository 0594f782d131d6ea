//! The Graph `user` resource as JSON: property names, the default set, and `$select`.

use crate::user::User;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// Properties returned when no `$select` is given (Graph v1.0's default set).
pub(crate) const DEFAULT_PROPERTIES: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// Further properties available through `$select`.
const EXTRA_PROPERTIES: &[&str] = &[
    "accountEnabled",
    "createdDateTime",
    "lastPasswordChangeDateTime",
    "signInSessionsValidFromDateTime",
    "userType",
    "mailNickname",
    "passwordPolicies",
    "usageLocation",
    "department",
    "companyName",
    "employeeId",
    "otherMails",
    "proxyAddresses",
    "onPremisesSyncEnabled",
];

/// The canonical spelling of a property name, matched case-insensitively.
pub(crate) fn canonical(name: &str) -> Option<&'static str> {
    DEFAULT_PROPERTIES
        .iter()
        .chain(EXTRA_PROPERTIES)
        .find(|p| p.eq_ignore_ascii_case(name.trim()))
        .copied()
}

fn date(d: DateTime<Utc>) -> Value {
    json!(d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// One property of a user, by canonical name.
pub(crate) fn property(user: &User, name: &str) -> Value {
    match name {
        "id" => json!(user.id.to_string()),
        "userPrincipalName" => json!(user.upn),
        "displayName" => json!(user.display_name),
        "mail" => json!(user.mail),
        "accountEnabled" => json!(user.account_enabled),
        "createdDateTime" => date(user.created),
        "lastPasswordChangeDateTime" => date(user.last_password_change),
        "signInSessionsValidFromDateTime" => date(user.sign_in_sessions_valid_from),
        "userType" => json!("Member"),
        "mailNickname" => json!(user.upn.split('@').next().unwrap_or_default()),
        "businessPhones" | "otherMails" | "proxyAddresses" => json!([]),
        _ => Value::Null,
    }
}

/// A user projected onto `properties`, in that order.
pub(crate) fn project(user: &User, properties: &[&'static str]) -> Map<String, Value> {
    properties
        .iter()
        .map(|p| (p.to_string(), property(user, p)))
        .collect()
}
