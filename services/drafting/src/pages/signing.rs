//! Signing: each author is sent a link bound to the submitted version's hash and the signing
//! round ([`Drafting::sign_request`]); its page shows the full text and hash, and signing is a
//! POST from it. When every author has signed the submitted version: `oped.approved`.

use super::resolve;
use crate::domain::{self, Draft, Version};
use crate::{Drafting, SERVICE, SIGN, permanent, store};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use rrm_bus::{HandleError, Store, Tx, TxResult, abort};
use rrm_contracts::{Envelope, Event, OpedApproved, PanelMember, Signatory, SignatureRecorded};
use rrm_platform::mail::{self, NewMail};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

impl Drafting {
    /// E-mails `author` a link to sign `version` of `draft` in the draft's current round.
    pub(crate) fn sign_request(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        version: &Version,
        author: &PanelMember,
    ) -> TxResult<(), HandleError> {
        let token = self.links.sign(
            SIGN,
            &author.member_id.to_string(),
            &domain::signing_object(draft.draft_id, draft.round),
            Some(&version.hash),
        );
        let data = json!({ "version": version, "author": author, "link": format!("{}/sign/{token}", self.public_url) });
        let mail = NewMail {
            key: format!(
                "sign:{}:{}:{}:{}",
                draft.draft_id, draft.round, version.hash, author.member_id
            ),
            to_name: author.name.clone(),
            to: author.email.clone(),
            subject: self
                .pages
                .render_text("sign_subject", &data)
                .map_err(permanent)?,
            text: self
                .pages
                .render_text("sign_text", &data)
                .map_err(permanent)?,
            html: None,
            language: Some(self.source_language.clone()),
            correlation_id: Some(draft.panel.alert_id),
            tag: serde_json::Value::Null,
        };
        mail::enqueue(tx, mail, &self.mail_domain)?;
        Ok(())
    }
}

pub(crate) fn signature_status(
    db: &Store,
    draft: &Draft,
    round: u32,
    hash: &str,
) -> Result<Vec<serde_json::Value>, rrm_bus::StoreError> {
    let signed = store::signatures(db, draft.draft_id, round, hash)?.members();
    let authors = draft.panel.authors.len();
    Ok(draft
        .signers()
        .enumerate()
        .map(|(i, a)| json!({ "member_id": a.member_id, "name": a.name, "line": a.line, "signed": signed.contains(&a.member_id), "cosigner": i >= authors }))
        .collect())
}

pub(crate) async fn show_signing(
    State(app): State<Drafting>,
    Path(token): Path<String>,
) -> Response {
    let (draft, author, claims, round) = match resolve(&app, &token, SIGN) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let hash = claims.version.unwrap_or_default();
    let Ok(Some(v)) = store::version(&app.store, draft.draft_id, &hash) else {
        return app.pages.error(
            StatusCode::NOT_FOUND,
            "Version not found",
            "This version of the op-ed does not exist.",
        );
    };
    let signatures = match signature_status(&app.store, &draft, round, &hash) {
        Ok(s) => s,
        Err(e) => return app.pages.unavailable(e),
    };
    let signed = signatures
        .iter()
        .any(|s| s["member_id"] == json!(author.member_id) && s["signed"] == true);
    let data = json!({
        "version": v,
        "author": author,
        "signatures": signatures,
        "signed": signed,
        "replaced": !domain::signable(draft.submitted.as_deref(), draft.round, &hash, round),
        "csrf": app.links.csrf_for(&token),
    });
    app.pages
        .page(StatusCode::OK, "Sign the op-ed", "sign", &data)
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignForm {
    csrf: String,
}

enum Signed {
    Replaced,
    /// Approved already: the op-ed went out with the signatures given before.
    Closed,
    Already,
    Now {
        approved: bool,
    },
}

pub(crate) async fn sign_version(
    State(app): State<Drafting>,
    Path(token): Path<String>,
    form: Result<Form<SignForm>, FormRejection>,
) -> Response {
    let (draft, author, claims, round) = match resolve(&app, &token, SIGN) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Ok(Form(form)) = form else {
        return app.pages.error(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            "Please go back to the page and use its button.",
        );
    };
    if !app.links.verify_csrf(&token, &form.csrf) {
        tracing::warn!("refused a signature without a valid CSRF value");
        return app.pages.error(StatusCode::FORBIDDEN, "Please use the signing page", "This signature did not come from the signing page. Open the link from your e-mail again.");
    }
    let hash = claims.version.unwrap_or_default();
    let source_language = app.source_language.clone();
    let (draft_id, signer, signed_hash) = (draft.draft_id, author.clone(), hash.clone());
    let result = app.store.transact::<_, HandleError, _>(move |tx| {
        let (author, hash) = (signer, signed_hash);
        let Some(mut draft) = store::draft_in(tx, draft_id)? else {
            return Err(abort(HandleError::Permanent("draft vanished".into())));
        };
        if !domain::signable(draft.submitted.as_deref(), draft.round, &hash, round) {
            return Ok(Signed::Replaced);
        }
        let mut signatures = store::signatures_in(tx, draft.draft_id, round, &hash)?;
        if signatures.members().contains(&author.member_id) {
            return Ok(Signed::Already);
        }
        // A co-signer's link stays open after the authors approved: too late to be named.
        if draft.approved.is_some() {
            return Ok(Signed::Closed);
        }
        signatures.0.push(Signatory {
            member_id: author.member_id,
            name: author.name.clone(),
            line: author.line.clone(),
            signs_as: author.signs_as.clone(),
            signed_at: Utc::now(),
        });
        store::put_signatures(tx, draft.draft_id, round, &hash, &signatures)?;
        let correlation = Some(draft.panel.alert_id);
        tx.emit(&Envelope::new(
            &Event::SignatureRecorded(SignatureRecorded {
                alert_id: draft.panel.alert_id,
                draft_id: draft.draft_id,
                version_hash: hash.clone(),
                member_id: author.member_id,
            }),
            SERVICE,
            correlation,
            None,
        ))?;
        let authors: Vec<Uuid> = draft.panel.authors.iter().map(|a| a.member_id).collect();
        if draft.approved.is_some() || !domain::all_signed(&authors, &signatures.members()) {
            return Ok(Signed::Now { approved: false });
        }
        let Some(v) = store::version_in(tx, draft.draft_id, &hash)? else {
            return Err(abort(HandleError::Permanent("version vanished".into())));
        };
        let oped_id = Uuid::now_v7();
        draft.approved = Some(oped_id);
        store::put_draft(tx, &draft)?;
        // Authors in the panel's order, then the co-signers who signed.
        let signatories: Vec<Signatory> = draft.signatories(&signatures);
        tx.emit(&Envelope::new(
            &Event::OpedApproved(OpedApproved {
                alert_id: draft.panel.alert_id,
                oped_id,
                title: v.title,
                body: v.body,
                source_language: source_language.clone(),
                target_languages: draft.panel.languages.clone(),
                version_hash: hash.clone(),
                signatories,
                embargo_until: None,
            }),
            SERVICE,
            correlation,
            None,
        ))?;
        Ok(Signed::Now { approved: true })
    });
    // Durable when it returns: only then is the signatory told the signature is recorded.
    let signed = match result.await {
        Ok(s) => s,
        Err(e) => return app.pages.unavailable(e),
    };
    let (heading, message, status) = match signed {
        Signed::Replaced => (
            "This signing request was withdrawn",
            "The op-ed was changed or sent out for signature again since this link was sent, so it can no longer be signed here. Nothing was changed. Every author gets a new link whenever a version is sent out for signature.",
            StatusCode::CONFLICT,
        ),
        Signed::Closed => (
            "Already approved",
            "Every author had signed, and the op-ed went out with the signatures given until then. Yours was not added; nothing was changed. Thank you.",
            StatusCode::CONFLICT,
        ),
        Signed::Already => (
            "Already signed",
            "Your signature on this version was already recorded; nothing was changed.",
            StatusCode::OK,
        ),
        Signed::Now { approved: true } => (
            "Signed — the op-ed is approved",
            "Every author has signed. The op-ed is now being translated and sent to editors.",
            StatusCode::OK,
        ),
        Signed::Now { approved: false } => (
            "Signed",
            "Your signature is recorded. The op-ed goes out once every author has signed.",
            StatusCode::OK,
        ),
    };
    tracing::info!(correlation_id = %draft.panel.alert_id, heading, "signing answered");
    app.pages.page(
        status,
        heading,
        "done",
        &json!({ "heading": heading, "message": message, "hash": hash }),
    )
}
