//! `/`: connections with their health, leases by status, and revocations that are
//! failing.

use axum::extract::State;
use axum::response::Response;
use leasehold_api::{ErrorCode, Operation};
use maud::{html, Markup};
use serde_json::{json, Value};

use super::{status_badge, text, when, Gateway, Viewer};

/// A message from the page that sent the person here.
#[derive(serde::Deserialize, Default)]
pub struct Flash {
    #[serde(default)]
    rotated: Option<String>,
}

const STATUSES: &[&str] = &[
    "pending", "active", "revoking", "revoked", "expired", "failed",
];

/// `GET /`.
pub async fn page(
    State(gw): State<Gateway>,
    viewer: Viewer,
    axum::extract::Query(flash): axum::extract::Query<Flash>,
) -> Response {
    // Connections are an admin's business: a person who may not list them does not see
    // the section (nor the actions in it).
    let connections = match viewer.ask(&gw, Operation::ConnectionList, &json!({})).await {
        Ok(reply) => Some(reply["items"].as_array().cloned().unwrap_or_default()),
        Err(p) if matches!(p.code, ErrorCode::Forbidden) => None,
        Err(p) => return viewer.problem(&p),
    };
    // Each connection checked now, all at once: a fresh token and what it grants.
    let checks = connections.iter().flatten().map(|c| {
        let name = json!({ "name": text(c, "name") });
        let (gw, viewer) = (&gw, &viewer);
        async move { viewer.ask(gw, Operation::ConnectionCheck, &name).await }
    });
    let health = futures::future::join_all(checks).await;
    let mut counts = Vec::new();
    for status in STATUSES {
        let reply = viewer
            .ask(
                &gw,
                Operation::LeaseList,
                &json!({ "status": status, "limit": 1000 }),
            )
            .await;
        let n = reply
            .as_ref()
            .map(|r| r["items"].as_array().map_or(0, Vec::len))
            .unwrap_or(0);
        let more = reply.as_ref().is_ok_and(|r| !r["next"].is_null());
        counts.push((status, n, more));
    }
    let failing: Vec<Value> = viewer
        .ask(
            &gw,
            Operation::LeaseList,
            &json!({ "status": "revoking", "limit": 1000 }),
        )
        .await
        .map(|r| r["items"].as_array().cloned().unwrap_or_default())
        .unwrap_or_default()
        .into_iter()
        .filter(|l| l["revocation_failing"] == true)
        .collect();
    let body = html! {
        @if flash.rotated.is_some() { p.ok role="status" { "The client secret was rotated." } }
        section aria-labelledby="leases-h" {
            h2 #leases-h { "Leases" }
            ul.counts {
                @for (status, n, more) in &counts {
                    li { a href={ "/leases?status=" (status) } {
                        (status_badge(status)) " " strong { (n) @if *more { "+" } }
                    } }
                }
            }
            p { a.button href="/secrets" { "Generate a lease" } }
        }
        section aria-labelledby="failing-h" {
            h2 #failing-h { "Revocations failing" }
            @if failing.is_empty() {
                p.muted { "None: every revocation went through." }
            } @else {
                p.error { "These passwords may still work. leasehold keeps retrying; check the connection's permissions." }
                ul { @for lease in &failing {
                    li { a href={ "/leases/" (text(lease, "lease_id")) } { (text(lease, "secret")) }
                        " — " (text(lease, "user_principal_name")) ", "
                        (lease["revocation_attempts"]) " attempts" }
                } }
            }
        }
        @if let Some(connections) = &connections {
            section aria-labelledby="connections-h" {
                h2 #connections-h { "Connections" }
                @if connections.is_empty() {
                    p { "No connection yet. Add one to reach your Entra tenant." }
                } @else {
                    table {
                        thead { tr { th { "Name" } th { "Tenant" } th { "Application" } th { "Cloud" } th { "Health" } th { "Since" } th { "Secret rotated" } th { span.visually-hidden { "Actions" } } } }
                        tbody { @for (c, health) in connections.iter().zip(&health) {
                            tr {
                                td { (text(c, "name")) }
                                td { code { (text(c, "tenant_id")) } }
                                td { code { (text(c, "client_id")) } }
                                td { (c["cloud"]["kind"].as_str().unwrap_or("-")) }
                                td data-health=(text(c, "name")) { (health_cell(health)) }
                                td { (when(&c["created_at"])) }
                                td { @if c["rotated_at"].is_null() { span.muted { "never" } } @else { (when(&c["rotated_at"])) } }
                                td { a href={ "/connections/" (super::encode(text(c, "name"))) "/rotate" } { "Rotate secret" } }
                            }
                        } }
                    }
                }
                p { a.button href="/connections/new" { "Add a connection" } }
            }
        }
    };
    super::page(Some(&viewer), "Overview", body)
}

/// A connection's health: ok, or what is wrong, and its last failed Graph call.
fn health_cell(health: &Result<Value, super::Problem>) -> Markup {
    let h = match health {
        Ok(h) => h,
        Err(p) => return html! { span.muted { "not checked: " (p.detail) } },
    };
    let listed = |key: &str| -> Vec<String> {
        h[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    };
    html! {
        @if h["healthy"] == true {
            span.status.status-active data-status="healthy" { "ok" }
        } @else {
            span.status.status-failed data-status="unhealthy" { "needs attention" }
        }
        @if let Some(error) = h["token_error"].as_str() {
            p.error { "Entra refused the client secret: " (error) }
        }
        @let missing = listed("missing");
        @if !missing.is_empty() {
            p.error { "Missing: " (missing.join("; ")) }
        }
        @for unknown in listed("unknown") { p.warn { (unknown) } }
        @if h["passes_allowed"] == false {
            p.muted { "No Temporary Access Pass secrets (needs UserAuthenticationMethod.ReadWrite.All)." }
        }
        @if let Some(e) = h["last_graph_error"].as_object() {
            p.muted.last-error {
                "Last Graph error " (when(&e["at"])) ": "
                (e["message"].as_str().unwrap_or_default())
                " (" a href={ "/leases/" (e["lease_id"].as_str().unwrap_or_default()) } { "lease" } ")"
            }
        }
    }
}
