//! The OpenAPI 3.1 document of the HTTP API, generated from [`crate::http::ROUTES`] and
//! the contract's JSON Schemas (schemars); written to `docs/openapi.json` by
//! `cargo run -p leasehold-api --example schema` and served at `/v1/openapi.json`.

use schemars::{schema_for, Schema};
use serde_json::{json, Map, Value};

use crate::http::{Fields, Problem, Route, ROUTES};
use crate::schema;

/// Where shared schemas go, and how `$ref`s reach them.
const COMPONENTS: &str = "#/components/schemas/";

/// The whole document.
pub fn document() -> Value {
    let mut components = Map::new();
    let problem = hoist(schema_for!(Problem), "Problem", &mut components);
    let mut paths = Map::new();
    for route in ROUTES {
        let operation = operation(route, &problem, &mut components);
        let path = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        path[route.method.to_ascii_lowercase()] = operation;
    }
    for (path, method, operation) in gateway_paths(&problem) {
        paths.entry(path.to_string()).or_insert_with(|| json!({}))[method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "leasehold HTTP API",
            "version": "1",
            "description": "REST resources over leasehold's operations (docs/http-api.md). \
                            Every request needs an Entra ID access token for leasehold's \
                            application, or a browser session from /v1/auth/login.",
        },
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "__Host-leasehold-session",
                    "description": "a browser session from /v1/auth/login; requests that \
                                    change something also need X-CSRF-Token",
                },
            },
        },
    })
}

fn operation(route: &Route, problem: &Value, components: &mut Map<String, Value>) -> Value {
    let request = hoisted_request(route, components);
    let mut parameters: Vec<Value> = route
        .path_fields
        .iter()
        .map(|(param, _)| {
            json!({ "name": param, "in": "path", "required": true, "schema": { "type": "string" } })
        })
        .collect();
    let result = hoist(
        success_schema(route.op),
        &format!("{}.result", route.op),
        components,
    );
    let success = json!({
        "description": route.op.name(),
        "content": { crate::http::media_type(route.op): { "schema": result } },
    });
    let mut responses = Map::new();
    responses.insert(route.status.to_string(), success.clone());
    if route.op == crate::Operation::LeaseCreate {
        responses.insert("202".into(), success);
    }
    responses.insert(
        "default".into(),
        json!({
            "description": "a problem document carrying the error code",
            "content": { "application/problem+json": { "schema": problem } },
        }),
    );
    let mut operation = json!({
        "operationId": operation_id(route),
        "summary": route.op.name(),
        "responses": responses,
    });
    match route.fields {
        Fields::Body => {
            operation["requestBody"] = json!({
                "required": true,
                "content": { "application/json": { "schema": request } },
            });
        }
        Fields::Query => {
            let required = request["required"].as_array().cloned().unwrap_or_default();
            if let Some(properties) = request["properties"].as_object() {
                for (name, schema) in properties {
                    parameters.push(json!({
                        "name": name,
                        "in": "query",
                        "required": required.contains(&json!(name)),
                        "schema": schema,
                    }));
                }
            }
        }
        Fields::None => {}
    }
    if route.op == crate::Operation::AuditVerify {
        // `against` travels as two query parameters.
        for (name, kind, text) in [
            (
                "position",
                "integer",
                "the position of a head `GET /v1/audit/anchor` gave",
            ),
            (
                "running_hash",
                "string",
                "the running hash of that head (64 hex digits)",
            ),
        ] {
            parameters.push(json!({
                "name": name,
                "in": "query",
                "required": false,
                "description": text,
                "schema": { "type": kind },
            }));
        }
    }
    if !parameters.is_empty() {
        operation["parameters"] = Value::Array(parameters);
    }
    operation
}

/// The schema of a route's success body: the operation's result, except that
/// `audit.export` streams its events as NDJSON, one [`crate::ExportedEvent`] per line.
fn success_schema(op: crate::Operation) -> Schema {
    match op {
        crate::Operation::AuditExport => schema_for!(crate::ExportedEvent),
        _ => schema::result(op),
    }
}

/// The routes that are not operations of the engine: browser sign-in and the event
/// stream.
fn gateway_paths(problem: &Value) -> Vec<(&'static str, &'static str, Value)> {
    let problem = json!({
        "description": "a problem document carrying the error code",
        "content": { "application/problem+json": { "schema": problem } },
    });
    let redirect = |id: &str, summary: &str| {
        json!({
            "operationId": id,
            "summary": summary,
            "security": [],
            "responses": { "302": { "description": "a redirect" }, "default": problem },
        })
    };
    let mut login = redirect(
        "get_v1_auth_login",
        "start a browser sign-in: redirects to the identity provider",
    );
    login["parameters"] = json!([{
        "name": "return_to", "in": "query", "required": false,
        "description": "a path on this site to land on once signed in (default /)",
        "schema": { "type": "string" },
    }]);
    let mut callback = redirect(
        "get_v1_auth_callback",
        "the identity provider's redirect back: starts the session",
    );
    callback["parameters"] = json!(["code", "state", "error", "error_description"]
        .iter()
        .map(|name| json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" } }))
        .collect::<Vec<_>>());
    let session = json!({
        "operationId": "get_v1_auth_session",
        "summary": "the signed-in person, their roles and the CSRF token",
        "security": [{ "session": [] }],
        "responses": {
            "200": {
                "description": "the session",
                "content": { "application/json": { "schema": {
                    "type": "object",
                    "required": ["actor", "roles", "csrf_token", "expires_at"],
                    "properties": {
                        "actor": { "type": "string" },
                        "roles": { "type": "array", "items": { "type": "string" } },
                        "csrf_token": { "type": "string" },
                        "expires_at": { "type": "string", "format": "date-time" },
                    },
                } } },
            },
            "default": problem,
        },
    });
    let logout = json!({
        "operationId": "post_v1_auth_logout",
        "summary": "end the session (needs X-CSRF-Token)",
        "security": [{ "session": [] }],
        "responses": { "204": { "description": "signed out" }, "default": problem },
    });
    let events = json!({
        "operationId": "get_v1_events",
        "summary": "server-sent events: `ready`, then `lease` (the lease's view) for every \
                    change to a lease the caller may see",
        "responses": {
            "200": {
                "description": "an endless event stream",
                "content": { "text/event-stream": { "schema": { "type": "string" } } },
            },
            "default": problem,
        },
    });
    vec![
        ("/v1/auth/login", "get", login),
        ("/v1/auth/callback", "get", callback),
        ("/v1/auth/session", "get", session),
        ("/v1/auth/logout", "post", logout),
        ("/v1/events", "get", events),
    ]
}

/// `get_v1_leases_id_history`: the method and the path's words.
fn operation_id(route: &Route) -> String {
    let words: Vec<&str> = route
        .path
        .split('/')
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches(|c| c == '{' || c == '}'))
        .collect();
    format!("{}_{}", route.method.to_ascii_lowercase(), words.join("_"))
}

/// The request schema of `route` without the fields its path carries (and only the
/// fields it accepts), its definitions moved into `components`.
fn hoisted_request(route: &Route, components: &mut Map<String, Value>) -> Value {
    let mut request = schema::request(route.op).to_value();
    move_defs(&mut request, components);
    let path_fields: Vec<&str> = route.path_fields.iter().map(|(_, f)| *f).collect();
    let keep = |name: &str| {
        !path_fields.contains(&name) && route.only.is_none_or(|only| only.contains(&name))
    };
    if let Some(properties) = request["properties"].as_object_mut() {
        properties.retain(|name, _| keep(name));
    }
    if let Some(required) = request["required"].as_array_mut() {
        required.retain(|name| name.as_str().is_some_and(keep));
    }
    for key in ["$schema", "title"] {
        if let Some(object) = request.as_object_mut() {
            object.remove(key);
        }
    }
    request
}

/// Moves `schema` into `components` under its title — or under `otherwise` when another
/// schema holds that title already (`Page` of connections and of leases) — and returns a
/// `$ref` to it; a schema without a title stays inline.
fn hoist(schema: Schema, otherwise: &str, components: &mut Map<String, Value>) -> Value {
    let mut value = schema.to_value();
    move_defs(&mut value, components);
    let Some(object) = value.as_object_mut() else {
        return value;
    };
    object.remove("$schema");
    // Definitions carry no title; the component name says it.
    match object
        .remove("title")
        .as_ref()
        .and_then(Value::as_str)
        .map(component_name)
    {
        Some(title) => {
            let name = match components.get(&title) {
                Some(held) if *held != value => component_name(otherwise),
                _ => title,
            };
            components.insert(name.clone(), value);
            json!({ "$ref": format!("{COMPONENTS}{name}") })
        }
        None => value,
    }
}

/// Moves the `$defs` of `value` into `components` and points every `$ref` there.
fn move_defs(value: &mut Value, components: &mut Map<String, Value>) {
    if let Some(Value::Object(defs)) = value.as_object_mut().and_then(|o| o.remove("$defs")) {
        for (name, mut def) in defs {
            rewrite_refs(&mut def);
            components.insert(component_name(&name), def);
        }
    }
    rewrite_refs(value);
}

fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object.iter_mut() {
                match (key.as_str(), inner.as_str()) {
                    ("$ref", Some(target)) => {
                        if let Some(name) = target.strip_prefix("#/$defs/") {
                            *inner = json!(format!("{COMPONENTS}{}", component_name(name)));
                        }
                    }
                    _ => rewrite_refs(inner),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// A name OpenAPI accepts for a component (`[A-Za-z0-9._-]`).
fn component_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '.' | '_' | '-' => c,
            _ => '_',
        })
        .collect()
}

/// The document as written to `docs/openapi.json`.
pub fn render() -> String {
    serde_json::to_string_pretty(&document()).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                for (key, inner) in object {
                    match (key.as_str(), inner.as_str()) {
                        ("$ref", Some(target)) => out.push(target.to_string()),
                        _ => refs(inner, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
            _ => {}
        }
    }

    #[test]
    fn every_route_is_documented_and_every_reference_resolves() {
        let doc = document();
        for route in ROUTES {
            let op = &doc["paths"][route.path][route.method.to_ascii_lowercase()];
            assert!(op.is_object(), "{} {}", route.method, route.path);
            assert!(op["responses"][route.status.to_string()].is_object());
        }
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(!all.is_empty());
        for target in all {
            let name = target
                .strip_prefix(COMPONENTS)
                .unwrap_or_else(|| panic!("{target} points outside the components"));
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{target} is not defined"
            );
        }
        // Path fields are not asked for twice.
        let renew = &doc["paths"]["/v1/leases/{id}/renew"]["post"];
        let body = &renew["requestBody"]["content"]["application/json"]["schema"];
        assert!(body["properties"].get("lease_id").is_none());
        assert!(body["properties"].get("ttl").is_some());
    }
}
