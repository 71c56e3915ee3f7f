//! Drafting's console: the drafts, newest first (`/console`); each draft's page, found by its
//! alert too (`/console/alerts/{alert_id}`): where it stands, who signed, what signatories
//! asked to change, what is overdue, the versions and any two compared word by word, the
//! manifest of what editors have; the audit log with its chain checked, and as JSON. Signing
//! off, correcting and withdrawing are POSTs (scope `alerts:write`); reading needs
//! `alerts:read`.

use super::{compare_versions, history, signature_status, version_view};
use crate::domain::audit;
use crate::domain::diff::FieldDiff;
use crate::domain::{Draft, Stage, TextForm, text};
use crate::workflow::{Actor, Decided, Saved};
use crate::{Drafting, store};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rrm_bus::HandleError;
use rrm_platform::FieldProblem;
use rrm_platform::console::{ConsoleForm, SignedIn, see_other};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

const READ: &str = "alerts:read";
const WRITE: &str = "alerts:write";

impl Drafting {
    fn console_page(
        &self,
        who: &SignedIn,
        status: StatusCode,
        title: &str,
        name: &str,
        mut data: Value,
    ) -> Response {
        if let Some(fields) = data.as_object_mut() {
            fields.insert("base".into(), self.public_url.clone().into());
            fields.insert("csrf".into(), who.csrf().into());
        }
        self.pages
            .console_page(status, title, name, &data, &who.frame())
    }

    /// The draft id in `raw`, if `who` may do `what` (needing `scope`): else the page saying
    /// why not.
    fn allowed(
        &self,
        who: &SignedIn,
        scope: &str,
        what: &str,
        raw: &str,
    ) -> Result<Uuid, Response> {
        if !who.may(scope) {
            return Err(self.console.lacks_scope(who, scope, what));
        }
        Uuid::parse_str(raw).map_err(|_| self.no_draft(who))
    }

    fn no_draft(&self, who: &SignedIn) -> Response {
        self.console.error(
            who,
            StatusCode::NOT_FOUND,
            "No such draft",
            "No draft has this id. A draft opens when the alert's panel is formed.",
        )
    }
}

/// One draft as the list shows it.
fn row(d: &Draft) -> Value {
    json!({
        "draft_id": d.draft_id,
        "alert_id": d.panel.alert_id,
        "title": d.panel.title,
        "stage": d.stage(),
        "stage_label": d.stage().label(),
        "versions": d.versions,
        "round": d.round,
        "authors": d.panel.authors.len(),
        "cosigners": d.cosigners.len(),
        "overdue": d.overdue.iter().map(|o| o.stage.as_str()).collect::<Vec<_>>(),
        "requests": d.open_requests().count(),
    })
}

pub(crate) async fn list(State(app): State<Drafting>, who: SignedIn) -> Response {
    if !who.may(READ) {
        return app.console.lacks_scope(&who, READ, "reading drafts");
    }
    match app.store.read(|s| store::recent_drafts(s, 200)).await {
        Ok(drafts) => {
            let rows: Vec<Value> = drafts.iter().map(row).collect();
            app.console_page(
                &who,
                StatusCode::OK,
                "Drafts",
                "drafts",
                json!({ "drafts": rows }),
            )
        }
        Err(e) => app.console.unavailable(&who, e),
    }
}

/// `/console/alerts/{alert_id}`: the alert's draft (intake's alert page links here).
pub(crate) async fn of_alert(
    State(app): State<Drafting>,
    who: SignedIn,
    Path(raw): Path<String>,
) -> Response {
    if !who.may(READ) {
        return app.console.lacks_scope(&who, READ, "reading drafts");
    }
    let none = || {
        app.console.error(
            &who,
            StatusCode::NOT_FOUND,
            "No draft for this alert yet",
            "A draft opens when the alert's panel is formed: the roster is still mobilising, or the alert was cancelled.",
        )
    };
    let Ok(alert_id) = Uuid::parse_str(&raw) else {
        return none();
    };
    match store::draft_of_alert(&app.store, alert_id) {
        Ok(Some(id)) => see_other(&format!("{}/console/drafts/{id}", app.public_url)),
        Ok(None) => none(),
        Err(e) => app.console.unavailable(&who, e),
    }
}

/// What a draft page may carry besides the draft: a problem with a submitted form, kept.
#[derive(Default)]
struct Shown {
    /// A coordinator's edit of the draft, refused or to be corrected, and what changed meanwhile
    /// when it was based on an older version.
    edit: Option<TextForm>,
    conflict: Option<Vec<FieldDiff>>,
    correction: Option<(TextForm, String)>,
    errors: Vec<FieldProblem>,
    message: Option<String>,
}

async fn draft_page(
    app: &Drafting,
    who: &SignedIn,
    raw: &str,
    shown: Shown,
    status: StatusCode,
) -> Response {
    let Ok(id) = Uuid::parse_str(raw) else {
        return app.no_draft(who);
    };
    let read = app.clone();
    let found = app
        .store
        .read(move |s| {
            let Some(draft) = store::draft(s, id)? else {
                return Ok(None);
            };
            let versions = store::versions(s, id)?;
            let signatures = match draft.submitted.as_deref() {
                Some(h) => signature_status(s, &draft, draft.round, h)?,
                None => Vec::new(),
            };
            let manifest = match (draft.approved, &draft.published) {
                (Some(oped), Some(p)) => store::manifest(s, oped, &p.version_hash)?
                    .map(|_| read.manifest_urls(oped, &p.version_hash)),
                _ => None,
            };
            Ok(Some((draft, versions, signatures, manifest)))
        })
        .await;
    let (draft, versions, signatures, manifest) = match found {
        Ok(Some(found)) => found,
        Ok(None) => return app.no_draft(who),
        Err(e) => return app.console.unavailable(who, e),
    };
    let current = draft
        .current
        .as_deref()
        .and_then(|h| versions.iter().find(|v| v.hash == h));
    let submitted = draft
        .submitted
        .as_deref()
        .and_then(|h| versions.iter().find(|v| v.hash == h));
    let published = draft
        .published
        .as_ref()
        .and_then(|p| versions.iter().find(|v| v.hash == p.version_hash));
    let base = &app.public_url;
    let id = draft.draft_id;
    let history: Vec<Value> = history(&versions)
        .into_iter()
        .map(|mut v| {
            let hash = v["hash"].as_str().unwrap_or_default().to_owned();
            v["url"] = format!("{base}/console/drafts/{id}/versions/{hash}").into();
            if let Some(parent) = v["parent"].as_str() {
                v["compare"] =
                    format!("{base}/console/drafts/{id}/compare?from={parent}&to={hash}").into();
            }
            v
        })
        .collect();
    let (correction, note) = match shown.correction {
        Some((form, note)) => (Some(form), note),
        None => (None, String::new()),
    };
    let correction = correction.or_else(|| {
        published.map(|v| TextForm {
            title: v.title.clone(),
            standfirst: v.standfirst.clone(),
            body: v.body.clone(),
            language: v.language.to_string(),
        })
    });
    let edit = shown.edit.unwrap_or_else(|| match current {
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
    let may_write = who.may(WRITE);
    let data = json!({
        "draft": row(&draft),
        "panel": draft.panel,
        "cosigners": draft.cosigners,
        "stage_label": draft.stage().label(),
        "current": current.map(version_view),
        "submitted": submitted.map(version_view),
        "published": published.map(version_view),
        "published_record": draft.published,
        "withdrawn": draft.withdrawn,
        "oped_id": draft.approved,
        "correction_note": draft.correction,
        "round": draft.round,
        "submitted_at": draft.submitted_at,
        "signatures": signatures,
        "requests": draft.requests.iter().rev().collect::<Vec<_>>(),
        "overdue": draft.overdue,
        "history": history,
        "versions": versions.iter().rev().map(|v| json!({ "hash": v.hash, "number": v.number })).collect::<Vec<_>>(),
        "manifest": manifest,
        "may_sign_off": may_write && draft.stage() == Stage::AwaitingSignoff,
        "final_signoff": app.settings.final_signoff,
        "may_correct": may_write && draft.open_to_corrections(),
        "may_edit": may_write && draft.open_to_authors(),
        "edit_form": edit,
        "edit_base": draft.current,
        "conflict": shown.conflict,
        "corrections_resign": app.settings.corrections == crate::settings::Corrections::Resign,
        "correction_form": correction,
        "note": note,
        "errors": FieldProblem::by_field(&shown.errors),
        "problems": shown.errors,
        "message": shown.message,
        "languages": draft.languages(&app.source_language),
    });
    app.console_page(
        who,
        status,
        &format!("Op-ed: {}", draft.panel.title),
        "console_draft",
        data,
    )
}

pub(crate) async fn show(
    State(app): State<Drafting>,
    who: SignedIn,
    Path(raw): Path<String>,
) -> Response {
    if !who.may(READ) {
        return app.console.lacks_scope(&who, READ, "reading drafts");
    }
    draft_page(&app, &who, &raw, Shown::default(), StatusCode::OK).await
}

pub(crate) async fn version(
    State(app): State<Drafting>,
    who: SignedIn,
    Path((raw, hash)): Path<(String, String)>,
) -> Response {
    let id = match app.allowed(&who, READ, "reading drafts", &raw) {
        Ok(id) => id,
        Err(page) => return page,
    };
    match store::version(&app.store, id, &hash) {
        Ok(Some(v)) => {
            let canonical =
                String::from_utf8(text::canonical(&v.text(), &v.byline)).unwrap_or_default();
            app.console_page(
                &who,
                StatusCode::OK,
                &format!("Version {}", v.number),
                "version",
                json!({ "draft_id": id, "version": version_view(&v), "canonical": canonical }),
            )
        }
        Ok(None) => app.console.error(
            &who,
            StatusCode::NOT_FOUND,
            "No such version",
            "This draft has no version with that hash.",
        ),
        Err(e) => app.console.unavailable(&who, e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CompareQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub(crate) async fn compare(
    State(app): State<Drafting>,
    who: SignedIn,
    Path(raw): Path<String>,
    Query(q): Query<CompareQuery>,
) -> Response {
    let id = match app.allowed(&who, READ, "reading drafts", &raw) {
        Ok(id) => id,
        Err(page) => return page,
    };
    match compare_versions(&app.store, id, &q.from, &q.to) {
        Ok(Some((old, new, changes))) => app.console_page(
            &who,
            StatusCode::OK,
            "What changed",
            "compare",
            json!({
                "old": version_view(&old),
                "new": version_view(&new),
                "changes": changes,
                "back": format!("{}/console/drafts/{id}", app.public_url),
            }),
        ),
        Ok(None) => app.console.error(
            &who,
            StatusCode::NOT_FOUND,
            "No such version",
            "Choose two versions of this draft to compare.",
        ),
        Err(e) => app.console.unavailable(&who, e),
    }
}

/// A draft's audit log with its chain checked, as the page and the JSON export give it.
pub(crate) fn audit_report(
    db: &rrm_bus::Store,
    id: Uuid,
) -> Result<Option<Value>, rrm_bus::StoreError> {
    let Some(draft) = store::draft(db, id)? else {
        return Ok(None);
    };
    let entries = store::audit_log(db, id)?;
    let check = audit::verify(&entries, draft.audit.as_ref());
    Ok(Some(json!({
        "draft_id": id,
        "alert_id": draft.panel.alert_id,
        "title": draft.panel.title,
        "intact": check.is_ok(),
        "broken": check.err(),
        "head": draft.audit,
        "entries": entries,
    })))
}

pub(crate) async fn audit(
    State(app): State<Drafting>,
    who: SignedIn,
    Path(raw): Path<String>,
) -> Response {
    let id = match app.allowed(&who, READ, "reading drafts", &raw) {
        Ok(id) => id,
        Err(page) => return page,
    };
    match app.store.read(move |s| audit_report(s, id)).await {
        Ok(Some(mut report)) => {
            if let Some(entries) = report["entries"].as_array_mut() {
                for e in entries.iter_mut() {
                    let label = serde_json::from_value::<audit::Action>(e["action"].clone())
                        .map(audit::Action::label)
                        .unwrap_or_default();
                    e["label"] = label.into();
                }
            }
            report["json"] = format!("{}/console/drafts/{id}/audit.json", app.public_url).into();
            report["back"] = format!("{}/console/drafts/{id}", app.public_url).into();
            app.console_page(&who, StatusCode::OK, "Audit log", "audit", report)
        }
        Ok(None) => app.no_draft(&who),
        Err(e) => app.console.unavailable(&who, e),
    }
}

pub(crate) async fn audit_json(
    State(app): State<Drafting>,
    who: SignedIn,
    Path(raw): Path<String>,
) -> Response {
    let id = match app.allowed(&who, READ, "reading drafts", &raw) {
        Ok(id) => id,
        Err(page) => return page,
    };
    match app.store.read(move |s| audit_report(s, id)).await {
        Ok(Some(report)) => (
            [(
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"audit-{id}.json\""),
            )],
            Json(report),
        )
            .into_response(),
        Ok(None) => app.no_draft(&who),
        Err(e) => app.console.unavailable(&who, e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct EditForm {
    /// Title, standfirst, body and language.
    #[serde(flatten)]
    text: TextForm,
    /// The version the text was based on (empty for the first).
    #[serde(default)]
    base: String,
    /// `save` or `submit`.
    #[serde(default)]
    action: String,
}

/// A coordinator writes in the draft before approval, as the authors do (SPEC: "authors and
/// coordinators write the op-ed"): the same immutable versions, the same refusal of a save based
/// on a version someone else has replaced, the same signing rounds.
pub(crate) async fn edit(
    State(app): State<Drafting>,
    Path(raw): Path<String>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<EditForm>,
) -> Response {
    let id = match app.allowed(&who, WRITE, "editing drafts", &raw) {
        Ok(id) => id,
        Err(page) => return page,
    };
    let submit = match form.action.as_str() {
        "save" => false,
        "submit" => true,
        _ => {
            return app.console.error(
                &who,
                StatusCode::BAD_REQUEST,
                "Unknown action",
                "Please use the page's buttons.",
            );
        }
    };
    let draft = match store::draft(&app.store, id) {
        Ok(Some(d)) => d,
        Ok(None) => return app.no_draft(&who),
        Err(e) => return app.console.unavailable(&who, e),
    };
    let raw_text = form.text;
    let checked = match text::validate(&raw_text, &draft.languages(&app.source_language)) {
        Ok(text) => text,
        Err(errors) => {
            let shown = Shown {
                edit: Some(raw_text),
                errors,
                message: Some("The version was not saved: see the problems below.".into()),
                ..Shown::default()
            };
            return draft_page(&app, &who, &raw, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let base = Some(form.base.trim().to_owned()).filter(|b| !b.is_empty());
    let (writer, actor) = (
        app.clone(),
        Actor::Coordinator(who.coordinator.name.clone()),
    );
    let result = app
        .store
        .transact::<_, HandleError, _>(move |tx| {
            writer.save(tx, id, &actor, &checked, base.as_deref(), submit)
        })
        .await;
    match result {
        Ok(Saved::Version { .. }) => {
            app.waker.wake();
            see_other(&format!("{}/console/drafts/{id}", app.public_url))
        }
        Ok(Saved::Closed) => {
            let shown = Shown {
                message: Some(
                    "The op-ed is approved or withdrawn: correct it below instead. Nothing was changed."
                        .into(),
                ),
                ..Shown::default()
            };
            draft_page(&app, &who, &raw, shown, StatusCode::CONFLICT).await
        }
        Ok(Saved::Conflict { base, current }) => {
            let changes = match base.as_deref() {
                Some(b) => compare_versions(&app.store, id, b, &current),
                None => Ok(None),
            };
            let changes = match changes {
                Ok(found) => found.map(|(_, _, c)| c).unwrap_or_default(),
                Err(e) => return app.console.unavailable(&who, e),
            };
            let shown = Shown {
                edit: Some(raw_text),
                conflict: Some(changes),
                message: Some(
                    "Not saved: someone saved a new version while you were editing. Your text is kept below, now based on the latest version."
                        .into(),
                ),
                ..Shown::default()
            };
            draft_page(&app, &who, &raw, shown, StatusCode::CONFLICT).await
        }
        Err(e) => app.console.unavailable(&who, e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignOffForm {
    #[serde(default)]
    hash: String,
}

pub(crate) async fn sign_off(
    State(app): State<Drafting>,
    Path(raw): Path<String>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<SignOffForm>,
) -> Response {
    let id = match app.allowed(&who, WRITE, "signing off op-eds", &raw) {
        Ok(id) => id,
        Err(page) => return page,
    };
    let (writer, name) = (app.clone(), who.coordinator.name.clone());
    let result = app
        .store
        .transact::<_, HandleError, _>(move |tx| writer.sign_off(tx, id, &name, &form.hash))
        .await;
    decided(&app, &who, &raw, result, Shown::default()).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct CorrectForm {
    /// Title, standfirst, body and language.
    #[serde(flatten)]
    text: TextForm,
    #[serde(default)]
    note: String,
}

pub(crate) async fn correct(
    State(app): State<Drafting>,
    Path(raw): Path<String>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<CorrectForm>,
) -> Response {
    let id = match app.allowed(&who, WRITE, "correcting op-eds", &raw) {
        Ok(id) => id,
        Err(page) => return page,
    };
    let draft = match store::draft(&app.store, id) {
        Ok(Some(d)) => d,
        Ok(None) => return app.no_draft(&who),
        Err(e) => return app.console.unavailable(&who, e),
    };
    let raw_text = form.text;
    let note = form.note.split_whitespace().collect::<Vec<_>>().join(" ");
    let checked = text::validate(&raw_text, &draft.languages(&app.source_language));
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    if note.is_empty() || note.chars().count() > 500 || note.chars().any(char::is_control) {
        errors.push(FieldProblem::new(
            "note",
            "say in 1 to 500 characters what changed, for editors",
        ));
    }
    let checked = match checked {
        Ok(text) if errors.is_empty() => text,
        _ => return refused_correction(&app, &who, &raw, raw_text, note, errors).await,
    };
    let (writer, name) = (app.clone(), who.coordinator.name.clone());
    let result = app
        .store
        .transact::<_, HandleError, _>(move |tx| writer.correct(tx, id, &name, &checked, &note))
        .await;
    decided(&app, &who, &raw, result, Shown::default()).await
}

async fn refused_correction(
    app: &Drafting,
    who: &SignedIn,
    raw: &str,
    form: TextForm,
    note: String,
    errors: Vec<FieldProblem>,
) -> Response {
    let shown = Shown {
        correction: Some((form, note)),
        errors,
        message: Some("The correction was not saved: see the problems below.".into()),
        ..Shown::default()
    };
    draft_page(app, who, raw, shown, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

pub(crate) async fn withdraw(
    State(app): State<Drafting>,
    Path(raw): Path<String>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<WithdrawForm>,
) -> Response {
    let id = match app.allowed(&who, WRITE, "withdrawing op-eds", &raw) {
        Ok(id) => id,
        Err(page) => return page,
    };
    let reason = form.reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if reason.is_empty() || reason.chars().count() > 500 || reason.chars().any(char::is_control) {
        let shown = Shown {
            errors: vec![FieldProblem::new(
                "reason",
                "say in 1 to 500 characters why, for editors and signatories",
            )],
            message: Some("The op-ed was not withdrawn: a reason is needed.".into()),
            ..Shown::default()
        };
        return draft_page(&app, &who, &raw, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (writer, name) = (app.clone(), who.coordinator.name.clone());
    let result = app
        .store
        .transact::<_, HandleError, _>(move |tx| writer.withdraw(tx, id, &name, &reason))
        .await;
    decided(&app, &who, &raw, result, Shown::default()).await
}

/// The answer to a coordinator's action: back to the draft when done, the draft with the
/// reason when refused.
async fn decided(
    app: &Drafting,
    who: &SignedIn,
    raw: &str,
    result: Result<Decided, rrm_bus::TxError<HandleError>>,
    mut shown: Shown,
) -> Response {
    match result {
        Ok(Decided::Done) => {
            app.waker.wake();
            see_other(&format!("{}/console/drafts/{raw}", app.public_url))
        }
        Ok(Decided::Unchanged) => {
            shown.message = Some(
                "The correction is the text editors already have: nothing was changed.".into(),
            );
            draft_page(app, who, raw, shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Ok(Decided::Refused(why)) => {
            shown.message = Some(format!("{why} Nothing was changed."));
            draft_page(app, who, raw, shown, StatusCode::CONFLICT).await
        }
        Err(e) => app.console.unavailable(who, e),
    }
}
