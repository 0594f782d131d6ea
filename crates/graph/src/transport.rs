//! One HTTP exchange: send, read the whole body, and turn network failures into errors.
//!
//! Reading the body inside the attempt means a connection dropped mid-body is retried too.

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::RequestBuilder;
use std::time::{Duration, Instant};

use crate::classify::FailedResponse;
use crate::error::{ErrorKind, GraphError};
use crate::retry::parse_retry_after;

/// A complete response, body included.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub status: u16,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl Exchange {
    /// Whether the service answered 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// View for the error classifiers.
    pub fn failed(&self) -> FailedResponse<'_> {
        FailedResponse {
            status: self.status,
            retry_after: self.retry_after,
            request_id: self.request_id.clone(),
            body: &self.body,
        }
    }
}

/// Graph sends `request-id`; the identity platform sends `x-ms-request-id`.
fn request_id(headers: &HeaderMap) -> Option<String> {
    ["request-id", "x-ms-request-id"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok().map(str::to_string))
}

/// Maps a reqwest failure; its text names the URL at most, never headers or body.
fn network_error(err: reqwest::Error) -> GraphError {
    let kind = if err.is_timeout() {
        ErrorKind::Timeout
    } else if err.is_builder() {
        ErrorKind::Configuration
    } else if err.is_redirect() {
        ErrorKind::UnexpectedResponse
    } else {
        // Connect, request and body errors: the network or the far end failed.
        ErrorKind::Transient
    };
    GraphError::new(kind, format!("request failed: {}", error_chain(&err)))
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Sends `request` for Graph operation `name` and reads the full response; counted and
/// timed in the process's telemetry.
pub(crate) async fn exchange(name: &str, request: RequestBuilder) -> Result<Exchange, GraphError> {
    let started = Instant::now();
    let result = exchange_once(request).await;
    let status = result.as_ref().ok().map(|reply| reply.status);
    leasehold_telemetry::global().graph_exchange(name, status, started.elapsed());
    result
}

async fn exchange_once(request: RequestBuilder) -> Result<Exchange, GraphError> {
    let response = request.send().await.map_err(network_error)?;
    let status = response.status().as_u16();
    let headers = response.headers();
    let request_id = request_id(headers);
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let body = response
        .bytes()
        .await
        .map_err(|e| network_error(e).with_request_id(request_id.clone()))?
        .to_vec();
    Ok(Exchange {
        status,
        request_id,
        retry_after,
        body,
    })
}
