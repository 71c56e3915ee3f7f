//! The shared draft page: every author reads the current version (its Markdown shown
//! sanitised), who signed it and what signatories asked to change; previews a text without
//! saving it; saves an immutable version (identified by its hash) or saves and sends it out for
//! signature; compares any two versions word by word. The form carries the version it was based
//! on: a save on top of a version that is no longer the latest is refused, with the author's
//! text kept and what changed meanwhile shown.

use super::{compare_versions, history, resolve, signature_status, version_view};
use crate::domain::diff::FieldDiff;
use crate::domain::{Draft, TextForm, text};
use crate::workflow::{Actor, Saved};
use crate::{Drafting, EDIT, store};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rrm_bus::HandleError;
use rrm_contracts::PanelMember;
use rrm_platform::FieldProblem;
use serde::Deserialize;
use serde_json::{Value, json};

/// What the form shows besides the current version: the author's own text (after a preview,
/// a refused save or bad input), its problems, its preview, what changed meanwhile.
#[derive(Default)]
struct Shown {
    form: Option<TextForm>,
    errors: Vec<FieldProblem>,
    preview: Option<String>,
    conflict: Option<Vec<FieldDiff>>,
    notice: Option<&'static str>,
}

pub(crate) async fn show_draft(State(app): State<Drafting>, Path(token): Path<String>) -> Response {
    let (draft, author, _, _) = match resolve(&app, &token, EDIT) {
        Ok(found) => found,
        Err(page) => return page,
    };
    render(
        &app,
        &token,
        &draft,
        &author,
        Shown::default(),
        StatusCode::OK,
    )
}

fn render(
    app: &Drafting,
    token: &str,
    draft: &Draft,
    author: &PanelMember,
    shown: Shown,
    status: StatusCode,
) -> Response {
    let read = || -> Result<_, rrm_bus::StoreError> {
        let versions = store::versions(&app.store, draft.draft_id)?;
        let signatures = match draft.submitted.as_deref() {
            Some(h) => signature_status(&app.store, draft, draft.round, h)?,
            None => Vec::new(),
        };
        Ok((versions, signatures))
    };
    let (versions, signatures) = match read() {
        Ok(found) => found,
        Err(e) => return app.pages.unavailable(e),
    };
    let current = draft
        .current
        .as_deref()
        .and_then(|h| versions.iter().find(|v| v.hash == h));
    let form = shown.form.unwrap_or_else(|| match current {
        Some(v) => TextForm {
            title: v.title.clone(),
            standfirst: v.standfirst.clone(),
            body: v.body.clone(),
            language: v.language.to_string(),
        },
        None => TextForm {
            language: app.source_language.to_string(),
            ..TextForm::default()
        },
    });
    let languages: Vec<Value> = draft
        .languages(&app.source_language)
        .iter()
        .map(|l| json!({ "code": l, "selected": l.as_str() == form.language }))
        .collect();
    let compare = |from: &Option<String>, to: &str| {
        from.as_ref()
            .map(|f| format!("{}/drafts/{token}/compare?from={f}&to={to}", app.public_url))
    };
    let history: Vec<Value> = history(&versions)
        .into_iter()
        .map(|mut v| {
            let parent: Option<String> = v["parent"].as_str().map(str::to_owned);
            let hash = v["hash"].as_str().unwrap_or_default().to_owned();
            v["compare"] = compare(&parent, &hash).into();
            v
        })
        .collect();
    let requests: Vec<&crate::domain::ChangeRequest> = draft.requests.iter().rev().collect();
    let data = json!({
        "panel": draft.panel,
        "author": author,
        "stage": draft.stage(),
        "stage_label": draft.stage().label(),
        "open": draft.open_to_authors(),
        "withdrawn": draft.withdrawn,
        "current": current.map(version_view),
        "base": draft.current,
        "form": { "title": form.title, "standfirst": form.standfirst, "body": form.body },
        "languages": languages,
        "byline": text::byline(&draft.panel.authors),
        "errors": FieldProblem::by_field(&shown.errors),
        "problems": shown.errors,
        "preview": shown.preview,
        "conflict": shown.conflict,
        "notice": shown.notice,
        "submitted": draft.submitted,
        "round": draft.round,
        "submitted_is_current": draft.submitted.is_some() && draft.submitted == draft.current,
        "awaiting_signoff": draft.awaiting_signoff,
        "signatures": signatures,
        "requests": requests,
        "history": history,
        "csrf": app.links.csrf_for(token),
        "max_title": text::MAX_TITLE,
    });
    app.pages.page(status, "Draft", "draft", &data)
}

#[derive(Debug, Deserialize)]
pub(crate) struct DraftForm {
    csrf: String,
    /// Title, standfirst, body and language.
    #[serde(flatten)]
    text: TextForm,
    /// The version the text was based on (empty for the first).
    #[serde(default)]
    base: String,
    #[serde(default)]
    action: String,
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
    let (preview, submit) = match form.action.as_str() {
        "preview" => (true, false),
        "save" => (false, false),
        "submit" => (false, true),
        _ => {
            return app.pages.error(
                StatusCode::BAD_REQUEST,
                "Unknown action",
                "Please use the page's buttons.",
            );
        }
    };
    let mut raw = form.text;
    // A form without the choice (an older page) is in the drafting language.
    if raw.language.trim().is_empty() {
        raw.language = app.source_language.to_string();
    }
    let text = match crate::domain::text::validate(&raw, &draft.languages(&app.source_language)) {
        Ok(text) => text,
        Err(errors) => {
            let shown = Shown {
                form: Some(raw),
                errors,
                ..Shown::default()
            };
            return render(
                &app,
                &token,
                &draft,
                &author,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    if preview {
        let shown = Shown {
            preview: Some(rrm_platform::markdown::to_safe_html(&text.body)),
            form: Some(raw),
            notice: Some("This is a preview: nothing is saved until you press a save button."),
            ..Shown::default()
        };
        return render(&app, &token, &draft, &author, shown, StatusCode::OK);
    }
    let base = Some(form.base.trim().to_owned()).filter(|b| !b.is_empty());
    let (writer, draft_id, member) = (app.clone(), draft.draft_id, author.clone());
    let saving = text.clone();
    let result = app
        .store
        .transact::<_, HandleError, _>(move |tx| {
            writer.save(
                tx,
                draft_id,
                &Actor::Member(member),
                &saving,
                base.as_deref(),
                submit,
            )
        })
        .await;
    // Durable when it returns: only then is the author told the version is saved.
    let saved = match result {
        Ok(saved) => saved,
        Err(e) => return app.pages.unavailable(e),
    };
    match saved {
        Saved::Closed => app.pages.error(
            StatusCode::CONFLICT,
            "The op-ed is closed",
            "Every author signed this op-ed and it went to editors, or it was withdrawn: it can no longer be edited here. Nothing was changed.",
        ),
        Saved::Conflict { base, current } => {
            tracing::info!(correlation_id = %draft.panel.alert_id, "refused a save based on an older version");
            conflict(&app, &token, &author, draft.draft_id, raw, base, &current).await
        }
        Saved::Version { hash, new, submitted, voided } => {
            tracing::info!(correlation_id = %draft.panel.alert_id, new, submitted, voided, "draft saved");
            let message = match (new, submitted, voided) {
                (_, true, _) => "Your version is saved and every signatory has been sent a link to sign it.",
                (true, false, true) => "Your version is saved. The version that was out for signature is replaced: its signatures no longer count, and those who had signed were told what changed. Send this version out for signature when it is ready.",
                (true, false, false) => "Your version is saved.",
                (false, false, _) => "This text is already the current version; nothing was changed.",
            };
            app.pages.page(StatusCode::OK, "Saved", "done", &json!({
                "heading": "Saved",
                "message": message,
                "hash": hash,
                "back": format!("{}/drafts/{token}", app.public_url),
            }))
        }
    }
}

/// The page of a refused save: the author's text kept in the form, based now on the latest
/// version, with what changed between the version they started from and the latest.
async fn conflict(
    app: &Drafting,
    token: &str,
    author: &PanelMember,
    draft_id: uuid::Uuid,
    raw: TextForm,
    base: Option<String>,
    current: &str,
) -> Response {
    let draft = match store::draft(&app.store, draft_id) {
        Ok(Some(d)) => d,
        Ok(None) => {
            return app.pages.error(
                StatusCode::NOT_FOUND,
                "Draft not found",
                "This draft no longer exists.",
            );
        }
        Err(e) => return app.pages.unavailable(e),
    };
    let changes = match base.as_deref() {
        Some(b) => compare_versions(&app.store, draft_id, b, current),
        None => Ok(None),
    };
    let changes = match changes {
        Ok(Some((_, _, changes))) => changes,
        Ok(None) => {
            // Started from no version (or an unknown one): everything in the latest is new.
            match store::version(&app.store, draft_id, current) {
                Ok(Some(v)) => crate::domain::diff::fields(
                    &crate::domain::diff::Fields {
                        title: "",
                        standfirst: "",
                        body: "",
                    },
                    &crate::domain::diff::Fields {
                        title: &v.title,
                        standfirst: &v.standfirst,
                        body: &v.body,
                    },
                ),
                Ok(None) => Vec::new(),
                Err(e) => return app.pages.unavailable(e),
            }
        }
        Err(e) => return app.pages.unavailable(e),
    };
    let shown = Shown {
        form: Some(raw),
        conflict: Some(changes),
        ..Shown::default()
    };
    render(app, token, &draft, author, shown, StatusCode::CONFLICT)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CompareQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// Two versions of the draft, word by word.
pub(crate) async fn compare(
    State(app): State<Drafting>,
    Path(token): Path<String>,
    Query(q): Query<CompareQuery>,
) -> Response {
    let (draft, _, _, _) = match resolve(&app, &token, EDIT) {
        Ok(found) => found,
        Err(page) => return page,
    };
    match compare_versions(&app.store, draft.draft_id, &q.from, &q.to) {
        Ok(Some((old, new, changes))) => app.pages.page(
            StatusCode::OK,
            "What changed",
            "compare",
            &json!({
                "old": version_view(&old),
                "new": version_view(&new),
                "changes": changes,
                "back": format!("{}/drafts/{token}", app.public_url),
            }),
        ),
        Ok(None) => app.pages.error(
            StatusCode::NOT_FOUND,
            "No such version",
            "This draft has no version with that hash.",
        ),
        Err(e) => app.pages.unavailable(e),
    }
}
