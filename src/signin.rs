//! Proving a password at the token endpoint with the resource-owner password grant.

use serde_json::Value;

/// The outcome of a sign-in attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum SignIn {
    /// Tokens were issued.
    Accepted,
    /// The token endpoint refused: its `error` and first AADSTS code.
    Refused {
        /// e.g. `invalid_grant`.
        error: String,
        /// e.g. 50126.
        code: Option<u64>,
    },
}

/// Tries `username`/`password` at `{login_base}/{tenant}/oauth2/v2.0/token` (ROPC).
pub async fn sign_in(
    http: &reqwest::Client,
    login_base: &str,
    tenant: &str,
    client_id: &str,
    client_secret: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<SignIn> {
    let url = format!(
        "{}/{tenant}/oauth2/v2.0/token",
        login_base.trim_end_matches('/')
    );
    let scope = format!("{}/.default", login_base.trim_end_matches('/'));
    let form = [
        ("grant_type", "password"),
        ("client_id", client_id),
        ("client_secret", client_secret),
        ("username", username),
        ("password", password),
        ("scope", scope.as_str()),
    ];
    let response = http.post(url).form(&form).send().await?;
    if response.status().is_success() {
        return Ok(SignIn::Accepted);
    }
    let body: Value = response.json().await.unwrap_or(Value::Null);
    Ok(SignIn::Refused {
        error: body["error"].as_str().unwrap_or("unknown").to_string(),
        code: body["error_codes"][0].as_u64(),
    })
}
