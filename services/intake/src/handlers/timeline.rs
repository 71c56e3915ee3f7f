//! Every event carrying an alert id (`correlation_id`) becomes a line of that alert's timeline.
//! The projection only adds lines: an event arriving after an alert was cancelled is recorded
//! like any other, and never changes the alert's status.

use crate::domain::{TimelineEntry, describe};
use crate::store;
use rrm_bus::{HandleError, Tx, TxResult};
use rrm_contracts::{Envelope, Event};

/// Puts an event carrying an alert id on that alert's timeline.
pub fn record(tx: &Tx<'_>, envelope: &Envelope, event: &Event) -> TxResult<(), HandleError> {
    let Some(alert_id) = envelope.correlation_id else {
        return Ok(());
    };
    let entry = TimelineEntry {
        event_id: envelope.id,
        event_type: envelope.event_type.clone(),
        occurred_at: envelope.occurred_at,
        producer: envelope.producer.clone(),
        summary: describe(event),
    };
    store::put_timeline_entry(tx, alert_id, &entry)?;
    Ok(())
}
