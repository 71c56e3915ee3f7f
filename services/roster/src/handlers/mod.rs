//! One module per consumed event: `alert_raised` (mobilise a panel), `alert_cancelled` (stand
//! the panel down). The coordinator credential events are applied by the platform.

mod alert_cancelled;
mod alert_raised;

use crate::Roster;
use rrm_bus::{HandleError, Handler, Prepared, Tx, TxResult};
use rrm_contracts::{Envelope, Event};

impl Handler for Roster {
    fn prepare(&self, _: &Envelope, event: &Event) -> Result<Prepared, HandleError> {
        match event {
            Event::AlertRaised(alert) => alert_raised::prepare(self, alert),
            _ => Ok(None),
        }
    }

    fn handle(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        event: &Event,
        prepared: &Prepared,
    ) -> TxResult<(), HandleError> {
        match event {
            Event::AlertRaised(alert) => alert_raised::handle(self, tx, envelope, alert, prepared),
            Event::AlertCancelled(cancelled) => alert_cancelled::handle(self, tx, cancelled),
            _ => Ok(()),
        }
    }
}
