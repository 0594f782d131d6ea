//! Injected Graph faults: added latency, 503/504 answers and hung requests.

use crate::config::FaultConfig;
use crate::graph_error::GraphError;
use rand::Rng;
use std::time::Duration;

/// How long a "timed out" request hangs before its 504.
pub const TIMEOUT_HANG: Duration = Duration::from_secs(30);

/// Applies `faults` to one Graph request: waits out the latency, then perhaps returns the
/// failure to answer with instead of handling the request.
pub(crate) async fn inject(faults: &FaultConfig) -> Option<GraphError> {
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let (hang, fail, gateway) = {
        let mut rng = rand::thread_rng();
        (
            rng.gen::<f64>() < faults.timeout_rate,
            rng.gen::<f64>() < faults.error_rate,
            rng.gen_bool(0.5),
        )
    };
    if hang {
        tokio::time::sleep(TIMEOUT_HANG).await;
        return Some(GraphError::gateway_timeout());
    }
    if fail {
        return Some(if gateway {
            GraphError::gateway_timeout()
        } else {
            GraphError::service_unavailable()
        });
    }
    None
}
