//! What members are e-mailed at each step of drafting, queued in the step's transaction (the
//! platform's mail worker sends them; a mail's key makes queueing it twice a no-op): the draft's
//! link, a version to sign (with what changed since the last one), signatures voided by a new
//! text, a request for changes, a reminder, a correction published, a withdrawal. Templates
//! are in `src/templates/mail/`; every link is personal and built from the public URL.

use crate::domain::diff::{self, FieldDiff};
use crate::domain::{ChangeRequest, Draft, Version, signing_object};
use crate::{Drafting, EDIT, SIGN, permanent};
use rrm_bus::{HandleError, Tx, TxResult};
use rrm_contracts::PanelMember;
use rrm_platform::mail::{self, NewMail};
use serde_json::{Value, json};
use uuid::Uuid;

/// What changed from `old` to `new`, field by field.
pub(crate) fn changes(old: &Version, new: &Version) -> Vec<FieldDiff> {
    fn fields(v: &Version) -> diff::Fields<'_> {
        diff::Fields {
            title: &v.title,
            standfirst: &v.standfirst,
            body: &v.body,
        }
    }
    diff::fields(&fields(old), &fields(new))
}

impl Drafting {
    /// `member`'s personal link to the shared draft.
    pub(crate) fn edit_link(&self, draft: &Draft, member: &PanelMember) -> String {
        let token = self.links.sign(
            EDIT,
            &member.member_id.to_string(),
            &draft.draft_id.to_string(),
            None,
        );
        format!("{}/drafts/{token}", self.public_url)
    }

    /// Once the op-ed is approved (and not withdrawn): `member`'s link to translation's page
    /// showing how it reads in each language, machine translations translated back on request.
    pub(crate) fn translations_link(&self, draft: &Draft, member: Uuid) -> Option<String> {
        let oped = draft.approved?;
        if draft.withdrawn.is_some() || self.translation_url.is_empty() {
            return None;
        }
        let token = self.links.sign(
            rrm_contracts::links::CHECK_TRANSLATIONS,
            &member.to_string(),
            &oped.to_string(),
            None,
        );
        Some(format!("{}/check/{token}", self.translation_url))
    }

    /// `member`'s personal link to answer `hash` in the draft's current round.
    pub(crate) fn sign_link(&self, draft: &Draft, member: &PanelMember, hash: &str) -> String {
        let token = self.links.sign(
            SIGN,
            &member.member_id.to_string(),
            &signing_object(draft.draft_id, draft.round),
            Some(hash),
        );
        format!("{}/sign/{token}", self.public_url)
    }

    fn queue(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        key: String,
        to: &PanelMember,
        template: &str,
        data: &Value,
    ) -> TxResult<(), HandleError> {
        let mail = NewMail {
            key,
            to_name: to.name.clone(),
            to: to.email.clone(),
            subject: self
                .pages
                .render_text(&format!("{template}_subject"), data)
                .map_err(permanent)?,
            text: self
                .pages
                .render_text(&format!("{template}_text"), data)
                .map_err(permanent)?,
            html: None,
            language: Some(self.source_language.clone()),
            correlation_id: Some(draft.panel.alert_id),
            tag: Value::Null,
        };
        mail::enqueue(tx, mail, &self.mail_domain)?;
        self.waker.wake();
        Ok(())
    }

    /// The panel formed: each author's link to the shared draft.
    pub(crate) fn mail_draft_link(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        author: &PanelMember,
    ) -> TxResult<(), HandleError> {
        let data = json!({ "panel": draft.panel, "author": author, "link": self.edit_link(draft, author) });
        let key = format!("draft:{}:{}", draft.draft_id, author.member_id);
        self.queue(tx, draft, key, author, "draft", &data)
    }

    /// `version` is out for signature in the draft's current round: `member`'s link, with what
    /// changed since `previous` (the text of the round before).
    pub(crate) fn mail_sign_request(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        version: &Version,
        member: &PanelMember,
        previous: Option<&Version>,
    ) -> TxResult<(), HandleError> {
        let changes = previous.map(|p| changes(p, version)).unwrap_or_default();
        let data = json!({
            "version": version,
            "member": member,
            "changes": changes,
            "correction": draft.correction,
            "link": self.sign_link(draft, member, &version.hash),
        });
        let key = format!(
            "sign:{}:{}:{}:{}",
            draft.draft_id, draft.round, version.hash, member.member_id
        );
        self.queue(tx, draft, key, member, "sign", &data)
    }

    /// `member` had signed `old`, which `new` replaced.
    pub(crate) fn mail_voided(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        old: &Version,
        new: &Version,
        member: &PanelMember,
    ) -> TxResult<(), HandleError> {
        // Authors can read the new text on the draft page; co-signers see it when it is sent
        // out for signature.
        let link = draft
            .is_author(member.member_id)
            .then(|| self.edit_link(draft, member));
        let data = json!({ "old": old, "new": new, "member": member, "changes": changes(old, new), "link": link });
        let key = format!(
            "voided:{}:{}:{}:{}",
            draft.draft_id, draft.round, new.hash, member.member_id
        );
        self.queue(tx, draft, key, member, "voided", &data)
    }

    /// The `number`th change request of the draft, to `author`.
    pub(crate) fn mail_changes_requested(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        request: &ChangeRequest,
        number: usize,
        author: &PanelMember,
    ) -> TxResult<(), HandleError> {
        let data =
            json!({ "request": request, "author": author, "link": self.edit_link(draft, author) });
        let key = format!("changes:{}:{number}:{}", draft.draft_id, author.member_id);
        self.queue(tx, draft, key, author, "changes_requested", &data)
    }

    /// The `number`th reminder of the round to sign `version`.
    pub(crate) fn mail_reminder(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        version: &Version,
        member: &PanelMember,
        number: u8,
    ) -> TxResult<(), HandleError> {
        let data = json!({ "version": version, "member": member, "link": self.sign_link(draft, member, &version.hash) });
        let key = format!(
            "remind:{}:{}:{number}:{}",
            draft.draft_id, draft.round, member.member_id
        );
        self.queue(tx, draft, key, member, "reminder", &data)
    }

    /// A correction was published without their signature (`corrections = "notify"`).
    pub(crate) fn mail_corrected(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        old: &Version,
        new: &Version,
        note: &str,
        member: &PanelMember,
    ) -> TxResult<(), HandleError> {
        let data = json!({ "old": old, "new": new, "note": note, "member": member, "changes": changes(old, new) });
        let key = format!(
            "corrected:{}:{}:{}",
            draft.draft_id, new.hash, member.member_id
        );
        self.queue(tx, draft, key, member, "corrected", &data)
    }

    /// The op-ed they signed was withdrawn.
    pub(crate) fn mail_withdrawn(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        title: &str,
        reason: &str,
        member: &PanelMember,
    ) -> TxResult<(), HandleError> {
        let data = json!({ "title": title, "reason": reason, "member": member });
        let key = format!("withdrawn:{}:{}", draft.draft_id, member.member_id);
        self.queue(tx, draft, key, member, "withdrawn", &data)
    }
}
