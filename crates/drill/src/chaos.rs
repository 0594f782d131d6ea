//! The chaos: a random component process SIGKILLed every 1–3 s and restarted, and a
//! supervisor that restarts any process that ended by itself (counted: the engine should
//! survive its dependencies going away without exiting, but may exit and be restarted).

use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{watch, Mutex};

use crate::procs::Fleet;

/// Sleeps `d` unless `stop` turns true first; returns whether to keep going.
async fn pause(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    let stopped = tokio::select! {
        _ = tokio::time::sleep(d) => None,
        _ = stop.wait_for(|s| *s) => Some(()),
    };
    stopped.is_none() && !*stop.borrow()
}

/// Kills a random process every 1–3 s and starts it again, until `stop`.
pub async fn kill_loop(
    fleet: Arc<Mutex<Fleet>>,
    seed: u64,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0xc4a0_5eed);
    loop {
        let wait = Duration::from_millis(rng.gen_range(1000..=3000));
        if !pause(&mut stop, wait).await {
            return Ok(());
        }
        let mut fleet = fleet.lock().await;
        let i = rng.gen_range(0..fleet.procs.len());
        fleet.kill(i).await;
        fleet.start(i)?;
    }
}

/// Restarts processes that ended by themselves, once a second, until `stop`.
pub async fn supervise(
    fleet: Arc<Mutex<Fleet>>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    loop {
        let revived = fleet.lock().await.revive()?;
        if !revived.is_empty() {
            println!("drill: restarted after they exited: {}", revived.join(", "));
        }
        if !pause(&mut stop, Duration::from_secs(1)).await {
            return Ok(());
        }
    }
}
