//! What drafting does with the events it consumes, one module per event. (Credential events are
//! applied by the platform before these handlers run.)

pub mod cosigner_joined;
pub mod panel_formed;
pub mod stage_overdue;

use crate::Drafting;
use rrm_bus::{HandleError, Handler, Prepared, Tx, TxResult};
use rrm_contracts::{Envelope, Event};

impl Handler for Drafting {
    fn handle(
        &self,
        tx: &Tx<'_>,
        _: &Envelope,
        event: &Event,
        _: &Prepared,
    ) -> TxResult<(), HandleError> {
        match event {
            Event::PanelFormed(panel) => self.open_draft(tx, panel),
            Event::CosignerJoined(joined) => self.add_cosigner(tx, joined),
            Event::StageOverdue(overdue) => self.stage_overdue(tx, overdue),
            _ => Ok(()),
        }
    }
}
