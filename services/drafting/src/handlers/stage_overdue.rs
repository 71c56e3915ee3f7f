//! `alert.stage_overdue`: intake's clock found a stage past its budget. When it is drafting's
//! (writing or signing), the draft records it, so the console shows it overdue; the authors'
//! reminders are the signature clock's ([`crate::clock`]).

use crate::{Drafting, store};
use rrm_bus::{HandleError, Tx, TxResult};
use rrm_contracts::{PipelineStage, StageOverdue};

impl Drafting {
    pub(crate) fn stage_overdue(
        &self,
        tx: &Tx<'_>,
        overdue: &StageOverdue,
    ) -> TxResult<(), HandleError> {
        if !matches!(
            overdue.stage,
            PipelineStage::Drafting | PipelineStage::Signatures
        ) {
            return Ok(());
        }
        let Some(draft_id) = store::draft_for_alert(tx, overdue.alert_id)? else {
            return Ok(());
        };
        let Some(mut draft) = store::draft_in(tx, draft_id)? else {
            return Ok(());
        };
        if draft.mark_overdue(overdue.stage, overdue.due_at) {
            store::put_draft(tx, &draft)?;
        }
        Ok(())
    }
}
