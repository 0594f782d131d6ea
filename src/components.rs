//! Starting the worker and the projection (their crates' own run loops).

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::app::{Components, Engine};

type Tasks = JoinSet<(&'static str, anyhow::Result<()>)>;

/// Starts the Graph worker if selected.
pub async fn start_worker(
    _engine: &Engine,
    components: Components,
    _rx: &watch::Receiver<bool>,
    _tasks: &mut Tasks,
) -> anyhow::Result<()> {
    if components.worker {
        anyhow::bail!("the worker component is not available in this build");
    }
    Ok(())
}

/// Starts the projector and the query service if selected.
pub async fn start_projection(
    _engine: &Engine,
    components: Components,
    _rx: &watch::Receiver<bool>,
    _tasks: &mut Tasks,
) -> anyhow::Result<()> {
    if components.projection {
        anyhow::bail!("the projection component is not available in this build");
    }
    Ok(())
}
