//! Leases: generating one (the password or pass shown once), the list with filters, one
//! lease's history, renewing and revoking.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use leasehold_api::{CredentialKind, HistoryPage, Operation};
use maud::html;
use serde::Deserialize;
use serde_json::{json, Value};

use super::secrets::lease_table;
use super::{duration, encode, status_badge, text, when, Gateway, Viewer};

#[derive(Deserialize)]
pub struct Generate {
    csrf: String,
    ttl: String,
    #[serde(default)]
    request_id: String,
}

/// `POST /secrets/{name}/lease`: the credential, shown on this answer only (never in a
/// URL, never cached); a reload re-sends the same request id, so it is the same lease.
pub async fn generate(
    State(gw): State<Gateway>,
    viewer: Viewer,
    Path(secret): Path<String>,
    Form(form): Form<Generate>,
) -> Response {
    if let Some(refused) = viewer.refused(&form.csrf) {
        return refused;
    }
    let payload = json!({ "secret": secret, "ttl": form.ttl.trim() });
    let reply = match viewer
        .change(
            &gw,
            Operation::LeaseCreate,
            &payload,
            Some(&form.request_id),
        )
        .await
    {
        Ok(reply) => reply,
        Err(problem) => return viewer.problem(&problem),
    };
    let lease = &reply["lease"];
    let id = text(lease, "lease_id");
    let kind = super::secret_kind(&gw, &viewer, &secret).await;
    let (what, noun) = match kind {
        Some(CredentialKind::TemporaryAccessPass) => ("Temporary Access Pass", "pass"),
        Some(CredentialKind::Password) => ("Password", "password"),
        None => ("Credential", "credential"),
    };
    let body = match reply.get("credential").filter(|c| !c.is_null()) {
        Some(credential) => html! {
            p.warn role="note" { "Copy the " (noun) " now: it will not be shown again." }
            dl.credential data-kind=(kind.map_or("unknown", CredentialKind::as_str)) {
                dt { "Username" } dd { code #username { (text(credential, "username")) } }
                dt { (what) } dd {
                    code #password { (text(credential, "password")) }
                    " " button type="button" data-copy="password" { "Copy " (noun) }
                }
                dt { "Expires" } dd { (when(&lease["expires_at"])) " · " span data-countdown=(text(lease, "expires_at")) {} }
            }
            @if kind == Some(CredentialKind::TemporaryAccessPass) {
                p.hint { "Enter the pass where the sign-in page asks for it. Entra ends it at the expiry even if leasehold is down; it cannot be renewed." }
            }
            p { a href={ "/leases/" (id) } { "The lease" } " · " a href={ "/secrets/" (encode(&secret)) } { "Back to the secret" } }
        },
        None => html! {
            p { "The lease is " (status_badge(text(lease, "status"))) ": the " (noun) " is being made in Entra. " }
            p { (reply["message"].as_str().unwrap_or("It appears on the lease's page once active, to you only.")) }
            p { a href={ "/leases/" (id) } { "Follow the lease" } }
        },
    };
    let mut response = super::page(Some(&viewer), "Your lease", body);
    *response.status_mut() = StatusCode::CREATED;
    response
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    requested_by: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    order: String,
    #[serde(default)]
    after: String,
}

/// `GET /leases`: filtered, sorted, paged.
pub async fn list(
    State(gw): State<Gateway>,
    viewer: Viewer,
    Query(p): Query<ListParams>,
) -> Response {
    let result = async {
        let mut request = json!({ "limit": 50 });
        for (key, value) in [
            ("secret", &p.secret),
            ("status", &p.status),
            ("requested_by", &p.requested_by),
            ("after", &p.after),
        ] {
            if !value.is_empty() {
                request[key] = json!(value);
            }
        }
        request["order"] = json!(if p.order == "ascending" { "ascending" } else { "descending" });
        let reply = viewer.ask(&gw, Operation::LeaseList, &request).await?;
        let user = p.user.to_lowercase();
        let leases: Vec<Value> = reply["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|l| user.is_empty() || text(l, "user_principal_name").to_lowercase().contains(&user))
            .collect();
        let next = reply["next"].as_str().map(|after| {
            format!(
                "/leases?secret={}&status={}&requested_by={}&user={}&order={}&after={}",
                encode(&p.secret), encode(&p.status), encode(&p.requested_by),
                encode(&p.user), encode(&p.order), encode(after)
            )
        });
        let body = html! {
            form.filters method="get" action="/leases" {
                label { "Secret" input name="secret" value=(p.secret) autocomplete="off"; }
                label { "User" input name="user" value=(p.user) autocomplete="off"; }
                label { "Requested by" input name="requested_by" value=(p.requested_by) autocomplete="off"; }
                label { "Status"
                    select name="status" {
                        option value="" { "any" }
                        @for s in ["pending", "active", "revoking", "revoked", "expired", "failed"] {
                            option value=(s) selected[p.status == s] { (s) }
                        }
                    }
                }
                label { "Order"
                    select name="order" {
                        option value="descending" { "newest first" }
                        option value="ascending" selected[p.order == "ascending"] { "oldest first" }
                    }
                }
                button type="submit" { "Filter" }
            }
            @if leases.is_empty() {
                p { "No lease matches. " a href="/secrets" { "Generate one from a secret." } }
            } @else {
                (lease_table(&leases))
            }
            @if let Some(next) = next { p { a href=(next) { "Next page" } } }
        };
        Ok(("Leases".to_string(), body))
    }
    .await;
    viewer.render(result)
}

#[derive(Deserialize, Default)]
pub struct ShowParams {
    #[serde(default)]
    done: String,
    #[serde(default)]
    capped: String,
}

/// `GET /leases/{id}`: the lease, its actions and its history as a timeline.
pub async fn show(
    State(gw): State<Gateway>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(p): Query<ShowParams>,
) -> Response {
    let result = async {
        let reply = viewer
            .ask(&gw, Operation::LeaseGet, &json!({ "lease_id": id }))
            .await?;
        let lease = &reply["lease"];
        let history = viewer
            .ask_as::<HistoryPage>(&gw, Operation::AuditHistory, &json!({ "lease_id": id, "limit": 200 }))
            .await
            .map(|h| h.items)
            .unwrap_or_default();
        let status = text(lease, "status");
        let live = matches!(status, "active" | "pending");
        let kind = super::secret_kind(&gw, &viewer, text(lease, "secret")).await;
        let renewable = kind != Some(CredentialKind::TemporaryAccessPass);
        let body = html! {
            @if p.done == "renewed" {
                p.ok role="status" { "Renewed." @if p.capped == "true" { " The max TTL capped it: it cannot be renewed further." } }
            }
            @if p.done == "revoking" { p.ok role="status" { "Revocation requested." } }
            table data-live="leases" { tbody {
                tr data-lease-id=(id) {
                    th { "Status" } td.lease-status { (status_badge(status)) }
                }
            } }
            dl.terms {
                dt { "Secret" } dd { a href={ "/secrets/" (encode(text(lease, "secret"))) } { (text(lease, "secret")) } }
                dt { "User" } dd { (text(lease, "user_principal_name")) }
                @if let Some(kind) = kind { dt { "Credential" } dd { (kind.title()) } }
                dt { "Requested by" } dd { (text(lease, "requested_by")) }
                dt { "Issued" } dd { (when(&lease["issued_at"])) }
                dt { "Expires" } dd { (when(&lease["expires_at"])) " · " span data-countdown=(text(lease, "expires_at")) {} }
                dt { "Never after" } dd { (when(&lease["max_expires_at"])) }
                dt { "Renewals" } dd { (lease["renewals"]) }
                @if lease["revocation_failing"] == true {
                    dt { "Revocation" } dd.error { "failing after " (lease["revocation_attempts"]) " attempts" }
                }
            }
            @if live {
                div.actions {
                    @if renewable {
                        form method="post" action={ "/leases/" (id) "/renew" } {
                            (viewer.csrf_field())
                            label { "Renew by" input name="ttl" value=(duration(lease["ttl_secs"].as_u64().unwrap_or(3600))) autocomplete="off"; }
                            button type="submit" { "Renew" }
                        }
                    } @else {
                        p.hint #not-renewable { "A Temporary Access Pass cannot be renewed: ask for a new lease when it ends." }
                    }
                    form method="post" action={ "/leases/" (id) "/revoke" } {
                        (viewer.csrf_field())
                        button.danger type="submit" { "Revoke now" }
                    }
                }
            }
            section aria-labelledby="history-h" {
                h2 #history-h { "History" }
                ol.timeline {
                    @for e in &history {
                        li {
                            (when(&json!(e.recorded_at))) " "
                            strong { (e.event_type) }
                            " by " (e.actor.as_deref().unwrap_or_default())
                            @if let Some(via) = &e.via { " via " (via) }
                            @if let Some(changes) = e.changes.as_object().filter(|c| !c.is_empty()) {
                                ul.changes { @for (key, value) in changes {
                                    li { (key) ": " (value.as_str().map(String::from).unwrap_or_else(|| value.to_string())) }
                                } }
                            }
                        }
                    }
                }
            }
        };
        Ok((format!("Lease {}", &id[..8.min(id.len())]), body))
    }
    .await;
    viewer.render(result)
}

#[derive(Deserialize)]
pub struct Renew {
    csrf: String,
    ttl: String,
}

/// `POST /leases/{id}/renew`.
pub async fn renew(
    State(gw): State<Gateway>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<Renew>,
) -> Response {
    if let Some(refused) = viewer.refused(&form.csrf) {
        return refused;
    }
    let payload = json!({ "lease_id": id, "ttl": form.ttl.trim() });
    match viewer
        .change(&gw, Operation::LeaseRenew, &payload, None)
        .await
    {
        Ok(reply) => Redirect::to(&format!(
            "/leases/{id}?done=renewed&capped={}",
            reply["capped"] == true
        ))
        .into_response(),
        Err(problem) => viewer.problem(&problem),
    }
}

/// `POST /leases/{id}/revoke`.
pub async fn revoke(
    State(gw): State<Gateway>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<super::CsrfOnly>,
) -> Response {
    if let Some(refused) = viewer.refused(&form.csrf) {
        return refused;
    }
    match viewer
        .change(
            &gw,
            Operation::LeaseRevoke,
            &json!({ "lease_id": id }),
            None,
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/leases/{id}?done=revoking")).into_response(),
        Err(problem) => viewer.problem(&problem),
    }
}
