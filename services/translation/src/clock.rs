//! The translation clock: offers expiring and deadlines, kept in the store (`timers`, in due
//! order) and fired by the platform's clock worker ([`rrm_platform::clock`]). An expired offer
//! goes to the next translator; a deadline that passes before the job is done reports the
//! failure (event, mail to the coordinators). Each fires in the batch's transaction with what
//! it causes, so nothing happens twice or in part. Candidates for the next offers are read
//! before that transaction.

use crate::Translation;
use crate::store::{self, Timer, TimerKind};
use crate::workflow::candidates;
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, Store, StoreError, Tx, TxResult};
use rrm_platform::clock::Timers;
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

impl Timers for Translation {
    type Timer = Timer;
    /// Candidates for the jobs whose offers expire, by job key.
    type Prepared = BTreeMap<String, Vec<Uuid>>;
    const BATCH: usize = 32;
    const NAME: &'static str = "translation";

    fn store(&self) -> &Store {
        &self.store
    }

    fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    fn tick(&self) -> Duration {
        self.settings.clock_tick
    }

    fn next(store: &Store, limit: usize) -> Result<Vec<Timer>, StoreError> {
        store::next_timers(store, limit)
    }

    fn due_at(timer: &Timer) -> DateTime<Utc> {
        timer.due
    }

    fn prepare(
        &self,
        due: &[Timer],
        _: DateTime<Utc>,
    ) -> Result<BTreeMap<String, Vec<Uuid>>, StoreError> {
        let mut found = BTreeMap::new();
        for timer in due {
            if let TimerKind::OfferExpires { .. } = timer.kind
                && let Some(job) = store::job(&self.store, &timer.job_key())?
            {
                found.insert(timer.job_key(), candidates(&self.store, &job)?);
            }
        }
        Ok(found)
    }

    fn fire(
        &self,
        tx: &Tx<'_>,
        timer: &Timer,
        prepared: &BTreeMap<String, Vec<Uuid>>,
        now: DateTime<Utc>,
    ) -> TxResult<bool, HandleError> {
        store::remove_timer(tx, timer)?;
        let key = timer.job_key();
        let Some(before) = store::job_tx(tx, &key)? else {
            return Ok(false);
        };
        let mut job = before.clone();
        let next = match timer.kind {
            TimerKind::OfferExpires { translator } => job.offer_ended(translator, now, false),
            TimerKind::Deadline => job.deadline_passed(now),
        };
        if job == before {
            return Ok(false);
        }
        let none = Vec::new();
        let candidates = prepared.get(&key).unwrap_or(&none);
        self.advance(tx, Some(&before), job, next, candidates, None, now)?;
        Ok(true)
    }

    /// Offers and failures queued e-mails.
    fn fired(&self, acted: usize) {
        if acted > 0 {
            self.waker.wake();
        }
    }
}
