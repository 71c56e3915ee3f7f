//! `panel.formed`: open the panel's shared draft and e-mail each author a link to it.

use crate::domain::Draft;
use crate::{Drafting, store};
use rrm_bus::{HandleError, Tx, TxResult};
use rrm_contracts::PanelFormed;

impl Drafting {
    /// Opens the draft of `panel`'s alert, once: a repeat of the event changes nothing.
    pub(crate) fn open_draft(&self, tx: &Tx<'_>, panel: &PanelFormed) -> TxResult<(), HandleError> {
        if store::draft_for_alert(tx, panel.alert_id)?.is_some() {
            return Ok(());
        }
        let cosigners = store::take_early_cosigners(tx, panel.alert_id)?;
        let draft = Draft::open(panel.clone(), cosigners);
        for author in &panel.authors {
            self.mail_draft_link(tx, &draft, author)?;
        }
        store::put_new_draft(tx, &draft)?;
        Ok(())
    }
}
