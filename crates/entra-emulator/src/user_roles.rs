//! `GET /v1.0/users/{id|upn}/memberOf/microsoft.graph.directoryRole`: the directory roles
//! a user holds, as Graph lists them.

use crate::directory::role_template_id;
use crate::graph_auth::{Caller, READ_USERS};
use crate::graph_error::GraphError;
use crate::shared::{lock, Shared};
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// Lists the user's directory roles.
pub(crate) async fn user_directory_roles(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Json<Value>, GraphError> {
    caller.require(READ_USERS)?;
    let dir = lock(&shared.directory);
    let user = dir
        .tenant(&caller.tenant_id.to_string())
        .and_then(|t| t.user(&key))
        .ok_or_else(|| GraphError::not_found(&key))?;
    let value: Vec<Value> = user
        .admin_roles
        .iter()
        .map(|name| {
            json!({
                "@odata.type": "#microsoft.graph.directoryRole",
                "displayName": name,
                "roleTemplateId": role_template_id(name),
            })
        })
        .collect();
    Ok(Json(json!({
        "@odata.context": format!("{}/v1.0/$metadata#directoryObjects", shared.base_url),
        "value": value,
    })))
}
