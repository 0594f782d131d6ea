//! `GET /v1/audit/export?from=&to=`: every event recorded in `[from, to)` as NDJSON
//! (`application/x-ndjson`, one event per line), streamed page by page so an export of
//! any size holds one page in memory. The first page is read before the answer starts,
//! so a refusal or a bad range is an ordinary problem document; should a later page
//! fail, the stream ends with one line `{"error": {"code": …, "message": …}}`.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use futures::stream;
use leasehold_api::{AuditExport, ErrorCode, ExportPage, Operation};
use serde::Serialize;
use serde_json::json;

use super::{query, Gateway, Principal, Problem};

/// Events per page asked of the engine.
const PAGE: u32 = 500;

/// `GET /v1/audit/export`.
pub async fn export(
    State(gw): State<Gateway>,
    who: Principal,
    uri: Uri,
) -> Result<Response, Problem> {
    let mut input: AuditExport = query(&uri)?;
    input.limit = Some(input.limit.unwrap_or(PAGE));
    let first = read_page(&gw, &who, &input).await?;
    let state = Some((gw, who, input, Some(first)));
    let lines = stream::unfold(state, |state| async move {
        let (gw, who, mut input, page) = state?;
        let page = match page {
            Some(page) => page,
            None => match read_page(&gw, &who, &input).await {
                Ok(page) => page,
                Err(problem) => {
                    let line =
                        json!({ "error": { "code": problem.code, "message": problem.detail } });
                    return Some((Ok::<_, std::io::Error>(ndjson(&[line])), None));
                }
            },
        };
        let chunk = ndjson(&page.items);
        let more = match page.next {
            Some(after) if !page.items.is_empty() => {
                input.after = Some(after);
                Some((gw, who, input, None))
            }
            _ => None,
        };
        if chunk.is_empty() && more.is_none() {
            return None;
        }
        Some((Ok(chunk), more))
    });
    let mut response = Response::new(Body::from_stream(lines));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// One page of the export, as the engine answered it.
async fn read_page(
    gw: &Gateway,
    who: &Principal,
    input: &AuditExport,
) -> Result<ExportPage, Problem> {
    let reply = gw.send(who, Operation::AuditExport, input, None).await?;
    serde_json::from_value(reply)
        .map_err(|_| Problem::new(ErrorCode::Internal, "the engine's answer could not be read"))
}

/// `values`, one JSON document per line.
fn ndjson(values: &[impl Serialize]) -> Bytes {
    let mut out = Vec::new();
    for value in values {
        // Invariant: JSON values and the contract's structs (string keys, no maps with
        // other keys) always serialize.
        #[allow(clippy::expect_used)]
        let line = serde_json::to_vec(value).expect("a JSON document serializes");
        out.extend_from_slice(&line);
        out.push(b'\n');
    }
    Bytes::from(out)
}
