//! `panel.cosigner_joined`: a member who accepted after the panel formed co-signs. They are
//! added to the draft's signers; if a version is out for signature, they are sent its signing
//! link at once. The op-ed does not wait for their signature.

use crate::domain::audit::Action;
use crate::{Drafting, store};
use rrm_bus::{HandleError, Tx, TxResult};
use rrm_contracts::CosignerJoined;

impl Drafting {
    pub(crate) fn add_cosigner(
        &self,
        tx: &Tx<'_>,
        joined: &CosignerJoined,
    ) -> TxResult<(), HandleError> {
        let Some(draft_id) = store::draft_for_alert(tx, joined.alert_id)? else {
            store::keep_early_cosigner(tx, joined.alert_id, &joined.member)?;
            return Ok(());
        };
        let Some(mut draft) = store::draft_in(tx, draft_id)? else {
            return Ok(());
        };
        if draft.closed_to_signatures() {
            tracing::info!(correlation_id = %joined.alert_id, "a co-signer joined after approval: too late to sign");
            return Ok(());
        }
        if !draft.add_cosigner(&joined.member) {
            return Ok(());
        }
        let detail = format!("{} joined as a co-signer", joined.member.name);
        let submitted = draft.submitted.clone();
        store::audit(
            tx,
            &mut draft,
            (self.now)(),
            "roster",
            Action::CosignerJoined,
            submitted.as_deref(),
            &detail,
        )?;
        if let Some(hash) = draft.submitted.clone()
            && let Some(version) = store::version_in(tx, draft.draft_id, &hash)?
        {
            self.mail_sign_request(tx, &draft, &version, &joined.member, None)?;
        }
        store::put_draft(tx, &draft)?;
        Ok(())
    }
}
