//! Which Microsoft cloud a connection talks to.

use serde::{Deserialize, Serialize};

/// A Microsoft national cloud, or custom endpoints (e.g. an emulator in tests).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cloud {
    /// Microsoft Entra ID worldwide.
    #[default]
    Global,
    /// Azure US Government (GCC High).
    UsGov,
    /// Azure US Government DoD.
    UsGovDod,
    /// Azure China (21Vianet).
    China,
    /// Explicit endpoints; used for sovereign setups and the test emulator.
    Custom {
        /// Base URL of the token endpoint host, e.g. `https://login.microsoftonline.com`.
        login_url: String,
        /// Base URL of Microsoft Graph, e.g. `https://graph.microsoft.com`.
        graph_url: String,
    },
}

impl Cloud {
    /// Base URL of the login (token) authority for this cloud, without trailing slash.
    pub fn login_url(&self) -> &str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::UsGov | Cloud::UsGovDod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
            Cloud::Custom { login_url, .. } => login_url,
        }
    }

    /// Base URL of Microsoft Graph for this cloud, without trailing slash or version.
    pub fn graph_url(&self) -> &str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::UsGov => "https://graph.microsoft.us",
            Cloud::UsGovDod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
            Cloud::Custom { graph_url, .. } => graph_url,
        }
    }
}
