//! `GET /v1/events`: a server-sent-events stream of the lease changes the caller may
//! see. The gateway listens to the lease events the relay publishes and, for each,
//! asks the engine for the lease on the caller's behalf: what the engine's policy
//! would not show the caller in `GET /v1/leases/{id}` never reaches the stream.
//!
//! Events: `ready` once the stream listens, then `lease` with the lease's view as
//! `data` and its id as the event id, for every change. A comment line every 15 s
//! keeps proxies from closing an idle stream. The stream ends when the gateway stops;
//! clients reconnect (`EventSource` does so by itself).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{stream, StreamExt};
use leasehold_api::{ErrorCode, LeaseGet, Operation};

use super::{Gateway, Principal, Problem};

/// `GET /v1/events`.
pub async fn stream(State(gw): State<Gateway>, who: Principal) -> Result<Response, Problem> {
    let changes = gw.api.lease_events().await.map_err(|e| {
        tracing::warn!(error = %format!("{e:#}"), "subscribing to lease events failed");
        Problem::new(
            ErrorCode::Unavailable,
            "the event stream is unavailable; retry later",
        )
    })?;
    let stopped = gw.stopped();
    let ready =
        stream::once(async { Ok::<_, Infallible>(Event::default().event("ready").data("{}")) });
    let leases = changes
        .filter_map(move |lease_id| {
            let gw = gw.clone();
            let who = who.clone();
            async move { visible(&gw, &who, lease_id).await }
        })
        .map(Ok::<_, Infallible>);
    let mut response = Sse::new(ready.chain(leases).take_until(stopped))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The `lease` event for `lease_id`, if the caller may see that lease.
async fn visible(gw: &Gateway, who: &Principal, lease_id: String) -> Option<Event> {
    // Never the credential: the stream only says what changed.
    let input = LeaseGet {
        lease_id: lease_id.clone(),
        credentials: false,
    };
    let view = gw.send(who, Operation::LeaseGet, &input, None).await.ok()?;
    Some(
        Event::default()
            .event("lease")
            .id(lease_id)
            .data(view.to_string()),
    )
}
