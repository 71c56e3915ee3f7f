//! The signature clock: reminders kept in the store (`timers`, in due order), set when a
//! version goes out for signature (`drafting.signature_reminders` after it) and fired by the
//! platform's clock worker ([`rrm_platform::clock`]). A reminder of a round that is no longer
//! out for signature does nothing; one that fires mails every author who has not signed, in
//! the batch's transaction ([`Drafting::remind`]).

use crate::Drafting;
use crate::store::{self, Reminder};
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, Store, StoreError, Tx, TxResult};
use rrm_platform::clock::Timers;
use std::time::Duration;

impl Timers for Drafting {
    type Timer = Reminder;
    type Prepared = ();
    const BATCH: usize = 32;
    const NAME: &'static str = "signatures";

    fn store(&self) -> &Store {
        &self.store
    }

    fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    fn tick(&self) -> Duration {
        self.settings.clock_tick
    }

    fn next(store: &Store, limit: usize) -> Result<Vec<Reminder>, StoreError> {
        store::next_reminders(store, limit)
    }

    fn due_at(timer: &Reminder) -> DateTime<Utc> {
        timer.due
    }

    fn prepare(&self, _: &[Reminder], _: DateTime<Utc>) -> Result<(), StoreError> {
        Ok(())
    }

    fn fire(
        &self,
        tx: &Tx<'_>,
        reminder: &Reminder,
        _: &(),
        _: DateTime<Utc>,
    ) -> TxResult<bool, HandleError> {
        self.remind(tx, reminder)
    }

    fn fired(&self, acted: usize) {
        if acted > 0 {
            self.waker.wake();
        }
    }
}
