//! `/`: connections, leases by status, and revocations that are failing.

use axum::extract::State;
use axum::response::Response;
use leasehold_api::{ErrorCode, Operation};
use maud::html;
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
                        thead { tr { th { "Name" } th { "Tenant" } th { "Application" } th { "Cloud" } th { "Since" } th { "Secret rotated" } th { span.visually-hidden { "Actions" } } } }
                        tbody { @for c in connections {
                            tr {
                                td { (text(c, "name")) }
                                td { code { (text(c, "tenant_id")) } }
                                td { code { (text(c, "client_id")) } }
                                td { (text(c, "cloud")) }
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
