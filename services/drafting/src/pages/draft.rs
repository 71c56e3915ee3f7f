//! The shared draft page: every author reads the current version and who signed what; saving
//! stores an immutable version (identified by its hash), submitting it opens a signing round.

use super::{resolve, signing};
use crate::domain::{self, Draft, Version};
use crate::{Drafting, EDIT, SERVICE, store};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use rrm_bus::{HandleError, abort};
use rrm_contracts::{DraftSubmitted, DraftVersionCreated, Envelope, Event, PanelMember};
use serde::Deserialize;
use serde_json::json;

pub(crate) async fn show_draft(State(app): State<Drafting>, Path(token): Path<String>) -> Response {
    let (draft, author, _, _) = match resolve(&app, &token, EDIT) {
        Ok(found) => found,
        Err(page) => return page,
    };
    render_draft(&app, &token, &draft, &author, None, StatusCode::OK)
}

fn render_draft(
    app: &Drafting,
    token: &str,
    draft: &Draft,
    author: &PanelMember,
    problems: Option<(&str, &str, Vec<rrm_platform::FieldProblem>)>,
    status: StatusCode,
) -> Response {
    let current = match draft
        .current
        .as_deref()
        .map(|h| store::version(&app.store, draft.draft_id, h))
        .transpose()
    {
        Ok(v) => v.flatten(),
        Err(e) => return app.pages.unavailable(e),
    };
    let signatures = match draft
        .submitted
        .as_deref()
        .map(|h| signing::signature_status(&app.store, draft, draft.round, h))
        .transpose()
    {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => return app.pages.unavailable(e),
    };
    let (title, body, errors) = match problems {
        Some((t, b, errors)) => (t.to_owned(), b.to_owned(), errors),
        None => (
            current
                .as_ref()
                .map(|v| v.title.clone())
                .unwrap_or_default(),
            current.as_ref().map(|v| v.body.clone()).unwrap_or_default(),
            Vec::new(),
        ),
    };
    let data = json!({
        "panel": draft.panel,
        "author": author,
        "current": current,
        "title": title,
        "body": body,
        "errors": errors,
        "submitted": draft.submitted,
        "submitted_is_current": draft.submitted.is_some() && draft.submitted == draft.current,
        "signatures": signatures,
        "approved": draft.approved.is_some(),
        "csrf": app.links.csrf_for(token),
    });
    app.pages.page(status, "Draft", "draft", &data)
}

#[derive(Debug, Deserialize)]
pub(crate) struct DraftForm {
    csrf: String,
    title: String,
    body: String,
    #[serde(default)]
    action: String,
}

enum Saved {
    Approved,
    Version {
        hash: String,
        new: bool,
        submitted: bool,
        /// A version out for signature was replaced without this one being submitted.
        voided: bool,
    },
}

pub(crate) async fn save_version(
    State(app): State<Drafting>,
    Path(token): Path<String>,
    form: Result<Form<DraftForm>, FormRejection>,
) -> Response {
    let (draft, author, _, _) = match resolve(&app, &token, EDIT) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Ok(Form(form)) = form else {
        return app.pages.error(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            "Please go back to the draft page and use its buttons.",
        );
    };
    if !app.links.verify_csrf(&token, &form.csrf) {
        tracing::warn!("refused a draft save without a valid CSRF value");
        return app.pages.error(
            StatusCode::FORBIDDEN,
            "Please use the draft page",
            "This save did not come from the draft page. Open the link from your e-mail again.",
        );
    }
    let submit = match form.action.as_str() {
        "save" => false,
        "submit" => true,
        _ => {
            return app.pages.error(
                StatusCode::BAD_REQUEST,
                "Unknown action",
                "Please use the page's buttons.",
            );
        }
    };
    let (title, body) = match domain::validate(&form.title, &form.body) {
        Ok(text) => text,
        Err(errors) => {
            return render_draft(
                &app,
                &token,
                &draft,
                &author,
                Some((&form.title, &form.body, errors)),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let hash = domain::version_hash(&title, &body);
    let (writer, draft_id, author_id) = (app.clone(), draft.draft_id, author.member_id);
    let result = app.store.transact::<_, HandleError, _>(move |tx| {
        let Some(mut draft) = store::draft_in(tx, draft_id)? else {
            return Err(abort(HandleError::Permanent("draft vanished".into())));
        };
        if draft.approved.is_some() {
            return Ok(Saved::Approved);
        }
        let correlation = Some(draft.panel.alert_id);
        let new = draft.current.as_deref() != Some(hash.as_str());
        // A new text voids the version out for signature, submitted or not.
        let voided = new && draft.submitted.take().is_some();
        if new {
            let version = Version {
                hash: hash.clone(),
                title: title.clone(),
                body: body.clone(),
                author_id,
                created_at: Utc::now(),
                parent: draft.current.clone(),
            };
            store::put_version(tx, draft.draft_id, &version)?;
            draft.current = Some(hash.clone());
            tx.emit(&Envelope::new(
                &Event::DraftVersionCreated(DraftVersionCreated {
                    alert_id: draft.panel.alert_id,
                    draft_id: draft.draft_id,
                    version_hash: hash.clone(),
                    author_id: Some(author_id),
                }),
                SERVICE,
                correlation,
                None,
            ))?;
        }
        let submitted = submit && draft.submitted.as_deref() != Some(hash.as_str());
        if submitted {
            // A new signing round: signatures are per round, so none given before counts, even
            // to this very text.
            draft.submitted = Some(hash.clone());
            draft.round += 1;
            let Some(version) = store::version_in(tx, draft.draft_id, &hash)? else {
                return Err(abort(HandleError::Permanent("version vanished".into())));
            };
            for a in draft.signers() {
                writer.sign_request(tx, &draft, &version, a)?;
            }
            tx.emit(&Envelope::new(
                &Event::DraftSubmitted(DraftSubmitted {
                    alert_id: draft.panel.alert_id,
                    draft_id: draft.draft_id,
                    version_hash: hash.clone(),
                    round: draft.round,
                    signatories: draft.panel.authors.len() as u32,
                }),
                SERVICE,
                correlation,
                None,
            ))?;
        }
        store::put_draft(tx, &draft)?;
        Ok(Saved::Version {
            hash,
            new,
            submitted,
            voided: voided && !submitted,
        })
    });
    // Durable when it returns: only then is the author told the version is saved.
    let saved = match result.await {
        Ok(saved) => saved,
        Err(e) => return app.pages.unavailable(e),
    };
    app.waker.wake();
    match saved {
        Saved::Approved => app.pages.error(StatusCode::CONFLICT, "Already approved", "Every author has signed this op-ed and it is on its way to editors; it can no longer be edited here."),
        Saved::Version { hash, new, submitted, voided } => {
            tracing::info!(correlation_id = %draft.panel.alert_id, new, submitted, voided, "draft saved");
            let message = match (new, submitted, voided) {
                (_, true, _) => "Your version is saved and every author has been sent a link to sign it.",
                (true, false, true) => "Your version is saved. The version that was out for signature is replaced: its signatures no longer count. Submit this version for signature when it is ready.",
                (true, false, false) => "Your version is saved.",
                (false, false, _) => "This text is already the current version; nothing was changed.",
            };
            app.pages.page(StatusCode::OK, "Saved", "done", &json!({ "heading": "Saved", "message": message, "hash": hash }))
        }
    }
}
