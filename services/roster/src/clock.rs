//! The mobilisation clock: the reminder and replacement timers kept in the store (`timers`, in
//! due order), fired by the platform's clock worker ([`rrm_platform::clock`]). Each timer fires
//! in the batch's transaction with what it does — the reminder e-mail, the alternate's
//! invitation, the events ([`Roster::fire`]) — so nothing happens twice or in part. The
//! candidates an alternate is chosen from are ranked before that transaction.

use crate::mobilisation::Alternates;
use crate::store::TimerKind;
use crate::{Roster, store};
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, Store, StoreError, Tx, TxResult};
use rrm_platform::clock::Timers;
use std::time::Duration;

impl Timers for Roster {
    type Timer = store::Timer;
    /// The candidates for the alerts whose silent members are to be replaced.
    type Prepared = Alternates;
    const BATCH: usize = 32;
    const NAME: &'static str = "mobilisation";

    fn store(&self) -> &Store {
        &self.store
    }

    fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    fn tick(&self) -> Duration {
        self.settings.clock_tick
    }

    fn next(store: &Store, limit: usize) -> Result<Vec<store::Timer>, StoreError> {
        store::next_timers(store, limit)
    }

    fn due_at(timer: &store::Timer) -> DateTime<Utc> {
        timer.due
    }

    fn prepare(&self, due: &[store::Timer], now: DateTime<Utc>) -> Result<Alternates, StoreError> {
        let mut alerts = Vec::new();
        for timer in due.iter().filter(|t| t.kind == TimerKind::Replace) {
            if let Some(panel) = store::panel(&self.store, timer.alert_id)?
                && panel.open()
            {
                alerts.push(panel.alert);
            }
        }
        Alternates::rank(self, &alerts, now)
    }

    fn fire(
        &self,
        tx: &Tx<'_>,
        timer: &store::Timer,
        alternates: &Alternates,
        now: DateTime<Utc>,
    ) -> TxResult<bool, HandleError> {
        Roster::fire(self, tx, timer, alternates, now)
    }

    /// Reminders and invitations queued e-mails.
    fn fired(&self, acted: usize) {
        if acted > 0 {
            self.waker.wake();
        }
    }
}
