//! `/secrets`: the dynamic secrets (one per user), making them, and one secret's terms
//! and leases with the form that generates a lease.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use leasehold_api::{CredentialKind, ErrorCode, Operation};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{duration, encode, kind_title, status_badge, text, when, Gateway, Viewer};

/// `GET /secrets`.
pub async fn list(State(gw): State<Gateway>, viewer: Viewer) -> Response {
    let result = async {
        let reply = viewer
            .ask(&gw, Operation::SecretList, &json!({ "limit": 1000 }))
            .await?;
        let secrets = reply["items"].as_array().cloned().unwrap_or_default();
        // Only someone who may see connections may make secrets from them.
        let may_create = viewer
            .ask(&gw, Operation::ConnectionList, &json!({}))
            .await
            .is_ok();
        let body = html! {
            @if may_create { p { a.button href="/secrets/new" { "Create dynamic secrets" } } }
            @if secrets.is_empty() {
                p { "No dynamic secret you may use yet." }
                @if may_create { p { "Create one per user from a connection." } }
                @else { p { "Ask an administrator to create one for you." } }
            } @else {
                table {
                    thead { tr { th { "Secret" } th { "User" } th { "Credential" } th { "Default TTL" } th { "Max TTL" } th { "Live lease" } } }
                    tbody { @for s in &secrets {
                        tr {
                            td { a href={ "/secrets/" (encode(text(s, "name"))) } { (text(s, "name")) } }
                            td { (text(s, "user_principal_name")) }
                            td { (kind_title(text(s, "credential_kind"))) }
                            td { (duration(s["default_ttl"].as_u64().unwrap_or_default())) }
                            td { (duration(s["max_ttl"].as_u64().unwrap_or_default())) }
                            td { @match s["live_lease_id"].as_str() {
                                Some(id) => a href={ "/leases/" (id) } { "yes" },
                                None => span.muted { "none" },
                            } }
                        }
                    } }
                }
            }
        };
        Ok(("Dynamic secrets".to_string(), body))
    }
    .await;
    viewer.render(result)
}

#[derive(Deserialize, Default)]
pub struct NewParams {
    #[serde(default)]
    connection: Option<String>,
}

/// `GET /secrets/new[?connection=]`: pick a connection, then users.
pub async fn form(
    State(gw): State<Gateway>,
    viewer: Viewer,
    Query(params): Query<NewParams>,
) -> Response {
    let result = async {
        let connections = viewer
            .ask(&gw, Operation::ConnectionList, &json!({}))
            .await?;
        let connections = connections["items"].as_array().cloned().unwrap_or_default();
        let body = match params.connection.filter(|c| !c.is_empty()) {
            None => pick_connection(&connections),
            Some(connection) => {
                let users = viewer
                    .ask(
                        &gw,
                        Operation::UsersList,
                        &json!({ "connection": connection }),
                    )
                    .await?;
                let users = users["items"].as_array().cloned().unwrap_or_default();
                secret_form(&viewer, &connection, &users, None)
            }
        };
        Ok(("Create dynamic secrets".to_string(), body))
    }
    .await;
    viewer.render(result)
}

fn pick_connection(connections: &[Value]) -> Markup {
    html! {
        @if connections.is_empty() {
            p { "There is no connection yet. " a href="/connections/new" { "Add a connection" } " first." }
        } @else {
            form method="get" action="/secrets/new" {
                label { "Connection"
                    select name="connection" required {
                        @for c in connections { option value=(text(c, "name")) { (text(c, "name")) " (" (text(c, "tenant_id")) ")" } }
                    }
                }
                button type="submit" { "Choose users" }
            }
        }
    }
}

/// The engine's rule for the user part of a secret name.
fn slug(upn: &str) -> String {
    let local = upn.split('@').next().unwrap_or(upn);
    let mut slug: String = local
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '-',
        })
        .collect();
    while slug.contains("--") {
        slug = slug.replace("--", "-");
    }
    let slug = slug.trim_matches('-').to_string();
    if slug.is_empty() {
        "user".into()
    } else {
        slug
    }
}

fn secret_form(viewer: &Viewer, connection: &str, users: &[Value], error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form method="post" action="/secrets/new" #secret-form {
            (viewer.csrf_field())
            input type="hidden" name="connection" value=(connection);
            p { "Connection: " strong { (connection) } " · " a href="/secrets/new" { "change" } }
            label { "Name prefix" input name="prefix" #prefix required value="app" pattern="[a-z0-9][a-z0-9-]*" autocomplete="off"; }
            label { "Default TTL" input name="default_ttl" value="1h" required autocomplete="off"; }
            label { "Max TTL" input name="max_ttl" placeholder="1d; for a pass, the policy's maximum" autocomplete="off"; }
            p.hint { "Durations like 30m, 1h, 1d. A lease never outlives the max TTL, renewals included." }
            fieldset {
                legend { "Credential" }
                @for kind in CredentialKind::ALL {
                    label.check {
                        input type="radio" name="credential_kind" value=(kind.as_str()) checked[*kind == CredentialKind::Password];
                        (kind.title()) " " span.muted { (kind.meaning()) }
                    }
                }
                label.check {
                    input type="checkbox" name="usable_once" value="true";
                    "Each pass signs in once only " span.muted { "(Temporary Access Pass only)" }
                }
                p.hint { "A pass's TTLs are whole minutes within the tenant's Temporary Access Pass policy." }
            }
            fieldset {
                legend { "Users (" (users.len()) " in the tenant)" }
                label { "Search users" input type="search" #user-filter autocomplete="off" placeholder="name or UPN"; }
                ul.users #user-list {
                    @for u in users {
                        @let upn = text(u, "user_principal_name");
                        li data-search=(format!("{} {}", upn, u["display_name"].as_str().unwrap_or_default()).to_lowercase()) {
                            label.check {
                                input type="checkbox" name="users" value=(upn) data-slug=(slug(upn));
                                (u["display_name"].as_str().unwrap_or(upn)) " " span.muted { (upn) }
                            }
                        }
                    }
                }
            }
            p { "Names: " output #name-preview { "choose users" } }
            button type="submit" { "Create one secret per user" }
        }
    }
}

/// `POST /secrets/new`: one secret per chosen user; the result per user.
pub async fn create(
    State(gw): State<Gateway>,
    viewer: Viewer,
    body: axum::body::Bytes,
) -> Response {
    // Several `users` fields: parsed by hand, as serde_urlencoded keeps only one.
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut users = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        if k == "users" {
            users.push(v.into_owned());
        } else {
            fields.insert(k.into_owned(), v.into_owned());
        }
    }
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    if let Some(refused) = viewer.refused(&field("csrf")) {
        return refused;
    }
    let connection = field("connection");
    let mut payload = json!({
        "connection": connection,
        "prefix": field("prefix").trim(),
        "users": users,
        "default_ttl": field("default_ttl").trim(),
    });
    // Left empty, the engine's defaults apply (a pass's max follows the tenant policy).
    for key in ["max_ttl", "credential_kind"] {
        if !field(key).trim().is_empty() {
            payload[key] = json!(field(key).trim());
        }
    }
    if field("usable_once") == "true" {
        payload["usable_once"] = json!(true);
    }
    let result = match viewer
        .change(&gw, Operation::SecretCreate, &payload, None)
        .await
    {
        Ok(reply) => {
            for secret in reply["created"].as_array().into_iter().flatten() {
                let name = json!({ "name": text(secret, "name") });
                viewer.settle(&gw, Operation::SecretGet, &name).await;
            }
            Ok(("Secrets created".to_string(), created(&reply)))
        }
        Err(problem) if problem.code != ErrorCode::Forbidden => {
            let users = viewer
                .ask(
                    &gw,
                    Operation::UsersList,
                    &json!({ "connection": connection }),
                )
                .await
                .map(|u| u["items"].as_array().cloned().unwrap_or_default())
                .unwrap_or_default();
            Ok((
                "Create dynamic secrets".to_string(),
                secret_form(&viewer, &connection, &users, Some(&problem.detail)),
            ))
        }
        Err(problem) => Err(problem),
    };
    viewer.render(result)
}

fn created(reply: &Value) -> Markup {
    let list = |key: &str| reply[key].as_array().cloned().unwrap_or_default();
    html! {
        ul.results {
            @for s in list("created") {
                li.ok { "✓ " a href={ "/secrets/" (encode(text(&s, "name"))) } { (text(&s, "name")) }
                    " for " (text(&s, "user_principal_name")) }
            }
            @for f in list("failed") {
                li.error { "✗ " (text(&f, "user")) ": " (f["error"]["message"].as_str().unwrap_or_default()) }
            }
            @for w in list("warnings") {
                li.warn { "⚠ " (text(&w, "user")) ": " (text(&w, "message")) }
            }
        }
        p { a.button href="/secrets" { "See all secrets" } }
    }
}

/// `GET /secrets/{name}`: terms, leases, and the form that generates a lease.
pub async fn show(State(gw): State<Gateway>, viewer: Viewer, Path(name): Path<String>) -> Response {
    let result = async {
        let secret = viewer
            .ask(&gw, Operation::SecretGet, &json!({ "name": name }))
            .await?;
        let leases = viewer
            .ask(
                &gw,
                Operation::LeaseList,
                &json!({ "secret": name, "order": "descending", "limit": 20 }),
            )
            .await
            .map(|r| r["items"].as_array().cloned().unwrap_or_default())
            .unwrap_or_default();
        let max = secret["max_ttl_secs"].as_u64().unwrap_or_default();
        let default = secret["default_ttl_secs"].as_u64().unwrap_or_default();
        let is_pass = CredentialKind::parse(text(&secret, "credential_kind"))
            == Some(CredentialKind::TemporaryAccessPass);
        let body = html! {
            dl.terms {
                dt { "User" } dd { (text(&secret, "user_principal_name")) " (" (text(&secret, "display_name")) ")" }
                dt { "Connection" } dd { (text(&secret, "connection")) }
                dt { "Credential" } dd #kind { (kind_title(text(&secret, "credential_kind"))) }
                @if is_pass {
                    dt { "Usable once" } dd { @if secret["usable_once"] == true { "yes" } @else { "no" } }
                }
                dt { "Default TTL" } dd { (duration(default)) }
                dt { "Max TTL" } dd { (duration(max)) }
            }
            section aria-labelledby="generate-h" {
                h2 #generate-h { "Generate a lease" }
                form method="post" action={ "/secrets/" (encode(&name)) "/lease" } {
                    (viewer.csrf_field())
                    input type="hidden" name="request_id" value=(uuid::Uuid::new_v4().to_string());
                    label { "TTL (at most " (duration(max)) ")"
                        input name="ttl" value=(duration(default)) required autocomplete="off"; }
                    button type="submit" { "Generate lease" }
                }
                p.hint { @if is_pass {
                    "The pass is shown once, right after it is made; Entra ends it at the expiry. It cannot be renewed."
                } @else { "The password is shown once, right after it is made." } }
            }
            section aria-labelledby="leases-h" {
                h2 #leases-h { "Recent leases" }
                (lease_table(&leases))
            }
        };
        Ok((name.clone(), body))
    }
    .await;
    viewer.render(result)
}

/// A table of leases whose status cells follow the event stream.
pub fn lease_table(leases: &[Value]) -> Markup {
    html! {
        @if leases.is_empty() {
            p.muted { "No lease yet." }
        } @else {
            table data-live="leases" {
                thead { tr { th { "Lease" } th { "Secret" } th { "User" } th { "Status" } th { "Expires" } th { "By" } } }
                tbody { @for l in leases {
                    tr data-lease-id=(text(l, "lease_id")) {
                        td { a href={ "/leases/" (text(l, "lease_id")) } { code { (&text(l, "lease_id")[..8.min(text(l, "lease_id").len())]) } } }
                        td { (text(l, "secret")) }
                        td { (text(l, "user_principal_name")) }
                        td.lease-status { (status_badge(text(l, "status"))) }
                        td { (when(&l["expires_at"])) }
                        td { (text(l, "requested_by")) }
                    }
                } }
            }
        }
    }
}
