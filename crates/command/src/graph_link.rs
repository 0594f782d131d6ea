//! From a stored connection to Graph client credentials.

use leasehold_domain::{Cloud, ConnectionName};
use leasehold_graph::{CloudEndpoints, Credentials};

use crate::{CommandError, Commands};

/// The Graph endpoints of a cloud.
pub fn endpoints(cloud: &Cloud) -> CloudEndpoints {
    match cloud {
        Cloud::Global => CloudEndpoints::global(),
        Cloud::UsGov => CloudEndpoints::us_gov(),
        Cloud::UsGovDod => CloudEndpoints::us_gov_dod(),
        Cloud::China => CloudEndpoints::china(),
        Cloud::Custom {
            login_url,
            graph_url,
        } => CloudEndpoints::custom(login_url.clone(), graph_url.clone()),
    }
}

impl Commands {
    /// Credentials for calling Graph through connection `name` (its secret unsealed).
    pub async fn credentials(&self, name: &ConnectionName) -> Result<Credentials, CommandError> {
        let (connection, secret) = self.connection_secret(name).await?;
        let details = connection
            .details()
            .ok_or_else(|| CommandError::not_found("connection", name.as_str()))?;
        Ok(Credentials::new(
            details.tenant_id.clone(),
            details.client_id.clone(),
            secret,
            endpoints(&details.cloud),
        ))
    }
}
