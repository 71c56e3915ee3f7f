//! What intake does with the events it consumes. Intake's queue is bound to every event (`#`):
//! each one carrying an alert id goes on that alert's timeline ([`timeline`]) and moves its
//! pipeline's stages on ([`stages`]), in one transaction. (Credential events are applied by the
//! platform before these handlers run.)

pub mod stages;
pub mod timeline;

use crate::domain::Budgets;
use rrm_bus::{HandleError, Handler, Prepared, Tx, TxResult};
use rrm_contracts::{Envelope, Event};

/// Intake's handler of every event.
pub struct Projections {
    pub budgets: Budgets,
}

impl Handler for Projections {
    fn handle(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        event: &Event,
        _: &Prepared,
    ) -> TxResult<(), HandleError> {
        timeline::record(tx, envelope, event)?;
        stages::project(tx, &self.budgets, envelope, event)
    }
}
