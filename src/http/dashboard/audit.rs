//! `/audit`: who held a working password for a user at a time, the store's integrity,
//! and an export.

use axum::extract::{Query, State};
use axum::response::Response;
use leasehold_api::{HolderAt, Operation, VerifyReport};
use maud::html;
use serde::Deserialize;
use serde_json::json;

use super::{text, when, Gateway, Viewer};

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    user: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    verify: String,
}

/// `GET /audit[?user=&time=][&verify=1]`.
pub async fn page(State(gw): State<Gateway>, viewer: Viewer, Query(p): Query<Params>) -> Response {
    let holder = if p.user.is_empty() || p.time.is_empty() {
        None
    } else {
        Some(
            viewer
                .ask_as::<HolderAt>(
                    &gw,
                    Operation::AuditAt,
                    &json!({ "user": p.user.trim(), "time": p.time.trim() }),
                )
                .await,
        )
    };
    let verified = if p.verify.is_empty() {
        None
    } else {
        Some(
            viewer
                .ask_as::<VerifyReport>(&gw, Operation::AuditVerify, &json!({}))
                .await,
        )
    };
    let body = html! {
        section aria-labelledby="at-h" {
            h2 #at-h { "Who held a working password?" }
            form method="get" action="/audit" {
                label { "User (UPN)" input name="user" value=(p.user) required autocomplete="off"; }
                label { "Time (RFC 3339, e.g. 2026-12-01T09:30:00Z)" input name="time" value=(p.time) required autocomplete="off"; }
                button type="submit" { "Look up" }
            }
            @if let Some(result) = &holder {
                div #holder role="status" {
                    @match result {
                        Ok(reply) => {
                            @match &reply.holder {
                                Some(h) => {
                                    p { strong { (h.requested_by) }
                                        " held it through lease "
                                        a href={ "/leases/" (h.lease_id) } { (h.lease_id) }
                                        " (secret " (h.secret) ")." }
                                }
                                None => p { "Nobody: no lease gave out a working password for " (p.user) " at that time." }
                            }
                        }
                        Err(problem) => p.error role="alert" { (problem.detail) },
                    }
                }
            }
        }
        section aria-labelledby="verify-h" {
            h2 #verify-h { "Integrity" }
            @match &verified {
                None => form method="get" action="/audit" {
                    input type="hidden" name="verify" value="1";
                    button type="submit" { "Verify the event store" }
                },
                Some(Ok(report)) if report.ok => p.ok #verify-result {
                    "✓ Every hash chain checks out (" (report.events) " events)." },
                Some(Ok(report)) => div.error #verify-result {
                    p { "✗ Problems found:" }
                    ul { @for problem in &report.problems {
                        li { (serde_json::to_string(problem).unwrap_or_default()) }
                    } }
                },
                Some(Err(problem)) => p.error role="alert" { (problem.detail) },
            }
        }
        section aria-labelledby="export-h" {
            h2 #export-h { "Export" }
            form method="get" action="/v1/audit/export" {
                label { "From" input name="from" value="2026-01-01T00:00:00Z" required; }
                label { "To" input name="to" value=(chrono::Utc::now().to_rfc3339()) required; }
                button type="submit" { "Download NDJSON" }
            }
        }
    };
    let _ = (text, when);
    super::page(Some(&viewer), "Audit", body)
}
