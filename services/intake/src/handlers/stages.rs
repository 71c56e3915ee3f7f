//! Every event of an alert moves its pipeline's stages on (see [`crate::domain::stages`]) and
//! sets the clock's timers to match, in the same transaction as the event's timeline line.

use crate::domain::{Budgets, Pipeline};
use crate::store;
use rrm_bus::{HandleError, Tx, TxResult};
use rrm_contracts::{Envelope, Event};

/// Projects an event onto its alert's stages. An alert intake does not know (its events came
/// first, or it was raised elsewhere) gets a pipeline from its `alert.raised`.
pub fn project(
    tx: &Tx<'_>,
    budgets: &Budgets,
    envelope: &Envelope,
    event: &Event,
) -> TxResult<(), HandleError> {
    let Some(alert_id) = envelope.correlation_id else {
        return Ok(());
    };
    let before = store::pipeline_in(tx, alert_id)?;
    let mut pipeline = match (&before, event) {
        (Some(pipeline), _) => pipeline.clone(),
        (None, Event::AlertRaised(e)) => Pipeline::start(
            e.alert_id,
            e.languages.clone(),
            e.deadline,
            envelope.occurred_at,
            budgets,
        ),
        (None, _) => match store::alert_in(tx, alert_id)? {
            Some(alert) => Pipeline::start(
                alert.alert_id,
                alert.languages.clone(),
                alert.deadline,
                alert.raised_at,
                budgets,
            ),
            None => return Ok(()),
        },
    };
    pipeline.apply(event, envelope.occurred_at, budgets);
    if before.as_ref() != Some(&pipeline) {
        store::put_pipeline(tx, before.as_ref(), &pipeline)?;
    }
    Ok(())
}
