//! Which Microsoft cloud to talk to: login host, Graph host and token scope resource.

/// Endpoints of one Microsoft cloud (or of a custom deployment such as the emulator).
///
/// Bases carry no trailing slash; the token scope is `{scope_resource}/.default`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CloudEndpoints {
    login_base: String,
    graph_base: String,
    scope_resource: String,
}

impl CloudEndpoints {
    fn https(login_host: &str, graph_host: &str) -> Self {
        let graph_base = format!("https://{graph_host}");
        CloudEndpoints {
            login_base: format!("https://{login_host}"),
            scope_resource: graph_base.clone(),
            graph_base,
        }
    }

    /// Microsoft's global (public) cloud.
    pub fn global() -> Self {
        Self::https("login.microsoftonline.com", "graph.microsoft.com")
    }

    /// US Government (GCC High).
    pub fn us_gov() -> Self {
        Self::https("login.microsoftonline.us", "graph.microsoft.us")
    }

    /// US Government Department of Defense.
    pub fn us_gov_dod() -> Self {
        Self::https("login.microsoftonline.us", "dod-graph.microsoft.us")
    }

    /// China, operated by 21Vianet.
    pub fn china() -> Self {
        Self::https("login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn")
    }

    /// Custom hosts (the emulator, a proxy); http is allowed here. The scope resource is the
    /// Graph base, because that is the audience a custom deployment issues tokens for.
    pub fn custom(login_base: impl Into<String>, graph_base: impl Into<String>) -> Self {
        let login_base = trim_slash(login_base.into());
        let graph_base = trim_slash(graph_base.into());
        CloudEndpoints {
            login_base,
            scope_resource: graph_base.clone(),
            graph_base,
        }
    }

    /// Base URL of the identity platform, e.g. `https://login.microsoftonline.com`.
    pub fn login_base(&self) -> &str {
        &self.login_base
    }

    /// Base URL of Microsoft Graph, e.g. `https://graph.microsoft.com`.
    pub fn graph_base(&self) -> &str {
        &self.graph_base
    }

    /// Resource whose `/.default` scope the client-credentials token is requested for.
    pub fn scope_resource(&self) -> &str {
        &self.scope_resource
    }

    /// The client-credentials scope, `{resource}/.default`.
    pub fn scope(&self) -> String {
        format!("{}/.default", self.scope_resource)
    }

    /// The v2.0 token endpoint for `tenant`.
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.login_base, tenant)
    }
}

fn trim_slash(mut s: String) -> String {
    while s.ends_with('/') {
        s.pop();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_clouds_matches_the_reference() {
        let cases = [
            (
                CloudEndpoints::global(),
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com",
            ),
            (
                CloudEndpoints::us_gov(),
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us",
            ),
            (
                CloudEndpoints::us_gov_dod(),
                "https://login.microsoftonline.us",
                "https://dod-graph.microsoft.us",
            ),
            (
                CloudEndpoints::china(),
                "https://login.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
            ),
        ];
        for (cloud, login, graph) in cases {
            assert_eq!(cloud.login_base(), login);
            assert_eq!(cloud.graph_base(), graph);
            assert_eq!(cloud.scope(), format!("{graph}/.default"));
        }
        assert_eq!(
            CloudEndpoints::global().token_url("t1"),
            "https://login.microsoftonline.com/t1/oauth2/v2.0/token"
        );
    }

    #[test]
    fn custom_trims_trailing_slashes_and_scopes_to_graph_base() {
        let c = CloudEndpoints::custom("http://127.0.0.1:8080/", "http://127.0.0.1:9090//");
        assert_eq!(c.login_base(), "http://127.0.0.1:8080");
        assert_eq!(c.graph_base(), "http://127.0.0.1:9090");
        assert_eq!(c.scope(), "http://127.0.0.1:9090/.default");
        assert_eq!(
            c.token_url("tid"),
            "http://127.0.0.1:8080/tid/oauth2/v2.0/token"
        );
    }
}
