//! Which Microsoft cloud a connection talks to, as the connection's events record it.
//! Its hosts are the Graph client's business (`leasehold_graph::CloudEndpoints`).

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
