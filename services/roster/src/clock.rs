//! The mobilisation clock: a worker that fires the reminder and replacement timers kept in the
//! store (`timers`, in due order). Each timer fires in one transaction with what it does —
//! the reminder e-mail, the alternate's invitation, the events — so nothing happens twice or in
//! part; a restart loses no timer, and one that came due while roster was down fires at start.
//! It reads the time through [`crate::Now`], so tests run it on tokio's paused clock.

use crate::{Roster, store};
use anyhow::Context;
use rrm_bus::HandleError;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Timers fired in one transaction at most.
const BATCH: usize = 32;

impl Roster {
    /// Fires due timers until `stop`.
    pub async fn run_clock(self, stop: CancellationToken) {
        let tick = self.settings.clock_tick;
        loop {
            let wait = match self.fire_due().await {
                Ok(wait) => wait,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "the mobilisation clock could not fire its timers; trying again");
                    tick
                }
            };
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Fires every timer due now; how long to wait before looking again (until the next timer,
    /// at most a tick).
    pub async fn fire_due(&self) -> anyhow::Result<Duration> {
        let now = (self.now)();
        let tick = self.settings.clock_tick;
        let store = self.store.clone();
        let timers = tokio::task::spawn_blocking(move || store::next_timers(&store, BATCH))
            .await
            .context("reading the timers")??;
        let due: Vec<store::Timer> = timers.iter().filter(|t| t.due <= now).copied().collect();
        if due.is_empty() {
            let next = timers
                .first()
                .and_then(|t| (t.due - now).to_std().ok())
                .unwrap_or(tick);
            return Ok(next.min(tick));
        }
        let (roster, store) = (self.clone(), self.store.clone());
        let fired = tokio::task::spawn_blocking(move || {
            store.transact_blocking::<_, HandleError, _>(move |tx| {
                let mut fired = 0;
                for timer in &due {
                    fired += usize::from(roster.fire(tx, timer, now)?);
                }
                Ok(fired)
            })
        })
        .await
        .context("firing the timers")?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        tracing::debug!(fired, "mobilisation clock");
        Ok(Duration::ZERO)
    }
}
