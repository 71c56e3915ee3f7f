//! One module per consumed event: `oped_approved` (open the jobs), `oped_corrected` (translate
//! the affected languages again), `oped_withdrawn` (cancel the open jobs). The coordinator
//! credential events are applied by the platform.

mod oped_approved;
mod oped_corrected;
mod oped_withdrawn;

use crate::Translation;
use rrm_bus::{HandleError, Handler, Prepared, Tx, TxResult};
use rrm_contracts::{Envelope, Event};

impl Handler for Translation {
    fn handle(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        event: &Event,
        _: &Prepared,
    ) -> TxResult<(), HandleError> {
        match event {
            Event::OpedApproved(oped) => oped_approved::handle(self, tx, envelope, oped),
            Event::OpedCorrected(oped) => oped_corrected::handle(self, tx, envelope, oped),
            Event::OpedWithdrawn(oped) => oped_withdrawn::handle(self, tx, oped),
            _ => Ok(()),
        }
    }
}
