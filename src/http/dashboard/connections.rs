//! `/connections/new`: register an Entra application as a connection.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use leasehold_api::Operation;
use maud::html;
use serde::Deserialize;
use serde_json::json;

use super::{Gateway, Viewer};

/// `GET /connections/new` (for those who may manage connections).
pub async fn form(State(gw): State<Gateway>, viewer: Viewer) -> Response {
    if let Err(problem) = viewer.ask(&gw, Operation::ConnectionList, &json!({})).await {
        return viewer.problem(&problem);
    }
    super::page(
        Some(&viewer),
        "Add a connection",
        connection_form(&viewer, None),
    )
}

fn connection_form(viewer: &Viewer, error: Option<&str>) -> maud::Markup {
    html! {
        p { "A connection is an Entra app registration leasehold uses to set passwords. "
            "It needs the Graph permissions and directory role described in the set-up guide." }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form method="post" action="/connections/new" {
            (viewer.csrf_field())
            label { "Name" input name="name" required pattern="[a-z0-9][a-z0-9-]*" autocomplete="off"; }
            label { "Tenant ID" input name="tenant_id" required autocomplete="off"; }
            label { "Application (client) ID" input name="client_id" required autocomplete="off"; }
            label { "Client secret" input name="client_secret" type="password" required autocomplete="off"; }
            label { "Cloud"
                select name="cloud" {
                    option value="global" selected { "Global (login.microsoftonline.com)" }
                    option value="us_gov" { "US Government (GCC High)" }
                    option value="us_gov_dod" { "US Government DoD" }
                    option value="china" { "China (21Vianet)" }
                    option value="custom" { "Custom endpoints" }
                }
            }
            fieldset {
                legend { "Custom endpoints (only with the Custom cloud)" }
                label { "Sign-in host URL" input name="login_url" type="url" autocomplete="off"; }
                label { "Graph URL" input name="graph_url" type="url" autocomplete="off"; }
            }
            button type="submit" { "Add connection" }
        }
    }
}

#[derive(Deserialize)]
pub struct NewConnection {
    csrf: String,
    name: String,
    tenant_id: String,
    client_id: String,
    client_secret: String,
    cloud: String,
    #[serde(default)]
    login_url: String,
    #[serde(default)]
    graph_url: String,
}

/// `POST /connections/new`: creates it (the engine checks the credentials with Entra
/// first, and its refusal is shown in Entra's words).
pub async fn create(
    State(gw): State<Gateway>,
    viewer: Viewer,
    Form(form): Form<NewConnection>,
) -> Response {
    if let Some(refused) = viewer.refused(&form.csrf) {
        return refused;
    }
    let mut payload = json!({
        "name": form.name.trim(),
        "tenant_id": form.tenant_id.trim(),
        "client_id": form.client_id.trim(),
        "client_secret": form.client_secret,
        "cloud": { "kind": form.cloud },
    });
    if form.cloud == "custom" {
        payload["cloud"] = json!({
            "kind": "custom",
            "login_url": form.login_url.trim(),
            "graph_url": form.graph_url.trim(),
        });
    }
    match viewer
        .change(&gw, Operation::ConnectionCreate, &payload, None)
        .await
    {
        Ok(_) => {
            let name = form.name.trim();
            viewer
                .settle(&gw, Operation::ConnectionGet, &json!({ "name": name }))
                .await;
            Redirect::to(&format!("/secrets/new?connection={}", super::encode(name)))
                .into_response()
        }
        Err(problem) => super::page_status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            Some(&viewer),
            "Add a connection",
            connection_form(&viewer, Some(&problem.detail)),
        ),
    }
}

/// `GET /connections/{name}/rotate`.
pub async fn rotate_form(
    State(gw): State<Gateway>,
    viewer: Viewer,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Response {
    if let Err(problem) = viewer
        .ask(&gw, Operation::ConnectionGet, &json!({ "name": name }))
        .await
    {
        return viewer.problem(&problem);
    }
    super::page(
        Some(&viewer),
        &format!("Rotate {name}"),
        rotate_markup(&viewer, &name, None),
    )
}

fn rotate_markup(viewer: &Viewer, name: &str, error: Option<&str>) -> maud::Markup {
    html! {
        p { "Paste the application's new client secret. leasehold checks it with Entra, then "
            "uses it for every secret of this connection; the old one can be deleted in Entra afterwards." }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form method="post" action={ "/connections/" (super::encode(name)) "/rotate" } {
            (viewer.csrf_field())
            label { "New client secret" input name="client_secret" type="password" required autocomplete="off"; }
            button type="submit" { "Rotate" }
        }
    }
}

#[derive(Deserialize)]
pub struct Rotate {
    csrf: String,
    client_secret: String,
}

/// `POST /connections/{name}/rotate`.
pub async fn rotate(
    State(gw): State<Gateway>,
    viewer: Viewer,
    axum::extract::Path(name): axum::extract::Path<String>,
    Form(form): Form<Rotate>,
) -> Response {
    if let Some(refused) = viewer.refused(&form.csrf) {
        return refused;
    }
    let payload = json!({ "name": name, "client_secret": form.client_secret });
    match viewer
        .change(&gw, Operation::ConnectionRotate, &payload, None)
        .await
    {
        Ok(_) => Redirect::to("/?rotated=1").into_response(),
        Err(problem) => super::page_status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            Some(&viewer),
            &format!("Rotate {name}"),
            rotate_markup(&viewer, &name, Some(&problem.detail)),
        ),
    }
}
