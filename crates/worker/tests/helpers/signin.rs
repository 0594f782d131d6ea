//! Proof of a lease: the leased password signs in at the emulator (ROPC), or not.

use entra_emulator::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use leasehold_domain::LeaseId;
use secrecy::{ExposeSecret, SecretString};

use super::{World, ALICE, TENANT};

impl World {
    /// The lease's password, as its requester reads it.
    pub async fn password(&self, lease: LeaseId) -> SecretString {
        self.commands
            .lease_credential(&lease)
            .await
            .expect("credential")
            .1
    }

    /// A resource-owner password sign-in as alice at the emulator.
    pub async fn ropc(&self, password: &SecretString) -> reqwest::Response {
        let base = self.emu.base_url();
        let scope = format!("{base}/.default");
        self.http
            .post(format!("{base}/{TENANT}/oauth2/v2.0/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", DEMO_CLIENT_SECRET),
                ("username", ALICE),
                ("password", password.expose_secret()),
                ("scope", scope.as_str()),
            ])
            .send()
            .await
            .expect("ropc request")
    }

    /// Asserts that `password` signs alice in (200).
    pub async fn assert_signs_in(&self, password: &SecretString) {
        let response = self.ropc(password).await;
        let status = response.status();
        assert_eq!(status, 200, "{}", response.text().await.unwrap_or_default());
    }

    /// Asserts that `password` is refused with `invalid_grant`.
    pub async fn assert_refused(&self, password: &SecretString) {
        let response = self.ropc(password).await;
        assert_eq!(response.status(), 400);
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["error"], "invalid_grant", "{body}");
    }
}
