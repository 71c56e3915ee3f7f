//! `panel.formed`: open the panel's shared draft and e-mail each author a link to it.

use crate::domain::Draft;
use crate::{Drafting, EDIT, permanent, store};
use rrm_bus::{HandleError, Tx, TxResult};
use rrm_contracts::{Envelope, PanelFormed};
use rrm_platform::mail::{self, NewMail};
use serde_json::json;
use uuid::Uuid;

impl Drafting {
    /// Opens the draft of `panel`'s alert, once: a repeat of the event changes nothing.
    pub(crate) fn open_draft(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        panel: &PanelFormed,
    ) -> TxResult<(), HandleError> {
        if store::draft_for_alert(tx, panel.alert_id)?.is_some() {
            return Ok(());
        }
        let draft = Draft {
            draft_id: Uuid::now_v7(),
            panel: panel.clone(),
            current: None,
            submitted: None,
            round: 0,
            approved: None,
            cosigners: store::take_early_cosigners(tx, panel.alert_id)?,
        };
        for author in &panel.authors {
            let token = self.links.sign(
                EDIT,
                &author.member_id.to_string(),
                &draft.draft_id.to_string(),
                None,
            );
            let data = json!({ "panel": panel, "author": author, "link": format!("{}/drafts/{token}", self.public_url) });
            let mail = NewMail {
                key: format!("draft:{}:{}", draft.draft_id, author.member_id),
                to_name: author.name.clone(),
                to: author.email.clone(),
                subject: self
                    .pages
                    .render_text("draft_subject", &data)
                    .map_err(permanent)?,
                text: self
                    .pages
                    .render_text("draft_text", &data)
                    .map_err(permanent)?,
                html: None,
                language: Some(self.source_language.clone()),
                correlation_id: envelope.correlation_id,
                tag: serde_json::Value::Null,
            };
            mail::enqueue(tx, mail, &self.mail_domain)?;
        }
        store::put_new_draft(tx, &draft)?;
        self.waker.wake();
        Ok(())
    }
}
