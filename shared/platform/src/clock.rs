//! A service's clock: timers kept in its store, fired by a worker. The timers are in the store,
//! not in memory, so a restart loses none and one that came due while the service was down
//! fires at start. Each batch fires in one transaction with what the timers do (their e-mails,
//! their events), so nothing happens twice or in part.
//!
//! A service says where its timers are and what firing one does ([`Timers`]); [`run`] is the
//! worker, [`fire_due`] one look at the timers (what tests call). The time is read through
//! [`Now`], so tests run the clock on tokio's paused clock.

use anyhow::Context;
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, Store, StoreError, Tx, TxResult};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Where a service reads the time.
pub type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A service's timers.
pub trait Timers: Clone + Send + Sync + 'static {
    type Timer: Copy + Send + Sync + 'static;
    /// What firing a batch needs read first, outside its transaction (so the store's writer
    /// never waits on a long read).
    type Prepared: Send + 'static;
    /// Timers fired in one transaction at most.
    const BATCH: usize;
    /// What the logs call this clock.
    const NAME: &'static str;

    fn store(&self) -> &Store;
    fn now(&self) -> DateTime<Utc>;
    /// The longest the worker sleeps between two looks at the timers (timers set meanwhile are
    /// seen within it).
    fn tick(&self) -> Duration;
    /// The `limit` timers due first, in due order (a read on a blocking thread).
    fn next(store: &Store, limit: usize) -> Result<Vec<Self::Timer>, StoreError>;
    fn due_at(timer: &Self::Timer) -> DateTime<Utc>;
    /// Reads what firing `due` needs, on a blocking thread before the batch's transaction.
    fn prepare(
        &self,
        due: &[Self::Timer],
        now: DateTime<Utc>,
    ) -> Result<Self::Prepared, StoreError>;
    /// Fires one timer inside the batch's transaction (removing it); whether it did anything.
    fn fire(
        &self,
        tx: &Tx<'_>,
        timer: &Self::Timer,
        prepared: &Self::Prepared,
        now: DateTime<Utc>,
    ) -> TxResult<bool, HandleError>;
    /// After a committed batch in which `acted` timers did something.
    fn fired(&self, _acted: usize) {}
}

/// Fires due timers until `stop`.
pub async fn run<T: Timers>(timers: T, stop: CancellationToken) {
    loop {
        let wait = match fire_due(&timers).await {
            Ok(wait) => wait,
            Err(e) => {
                tracing::warn!(clock = T::NAME, error = %format!("{e:#}"), "the clock could not fire its timers; trying again");
                timers.tick()
            }
        };
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Fires every timer due now. Returns how long to wait before looking again: until the next
/// timer, at most a tick; at once after a batch (more may be due).
pub async fn fire_due<T: Timers>(timers: &T) -> anyhow::Result<Duration> {
    let now = timers.now();
    // Store work runs on blocking threads: on a paused test clock, time then stands still
    // while it runs.
    let store = timers.store().clone();
    let next = tokio::task::spawn_blocking(move || T::next(&store, T::BATCH))
        .await
        .context("reading the timers")??;
    let due: Vec<T::Timer> = next
        .iter()
        .filter(|t| T::due_at(t) <= now)
        .copied()
        .collect();
    if due.is_empty() {
        let wait = next
            .first()
            .and_then(|t| (T::due_at(t) - now).to_std().ok())
            .unwrap_or(timers.tick());
        return Ok(wait.min(timers.tick()));
    }
    let (firing, store) = (timers.clone(), timers.store().clone());
    let fired = due.len();
    let acted = tokio::task::spawn_blocking(move || {
        let prepared = firing.prepare(&due, now)?;
        store
            .transact_blocking::<_, HandleError, _>(move |tx| {
                let mut acted = 0;
                for timer in &due {
                    acted += usize::from(firing.fire(tx, timer, &prepared, now)?);
                }
                Ok(acted)
            })
            .map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await
    .context("firing the timers")??;
    timers.fired(acted);
    tracing::debug!(clock = T::NAME, fired, acted, "timers fired");
    Ok(Duration::ZERO)
}
