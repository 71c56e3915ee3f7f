//! The signatories' page: how their op-ed reads in each language. Drafting links here, with a
//! link signed for the member and the op-ed ([`crate::CHECK`]). Every language's status and
//! text is shown; for a machine translation a signatory can ask for it to be translated back
//! into the op-ed's language, so they can check what goes out under their name in a language
//! they cannot read. A back-translation is made once per machine text and kept.

use crate::domain::{Job, Stage};
use crate::store::{self, Oped};
use crate::{CHECK, Translation};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rrm_platform::markdown::to_safe_html;
use rrm_platform::pages::dir_for;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

fn resolve(app: &Translation, token: &str) -> Result<(Oped, Vec<Job>), Response> {
    let claims = app
        .links
        .verify(token, CHECK, (app.now)())
        .map_err(|e| app.pages.link_error(e))?;
    let unknown = || {
        app.pages.error(
            StatusCode::NOT_FOUND,
            "Not translated yet",
            "Translation has not received this op-ed yet. Try again in a minute.",
        )
    };
    let oped_id: Uuid = claims.object.parse().map_err(|_| unknown())?;
    let member: Uuid = claims.subject.parse().map_err(|_| unknown())?;
    let oped = match store::oped(&app.store, oped_id) {
        Ok(Some(o)) => o,
        Ok(None) => return Err(unknown()),
        Err(e) => return Err(app.pages.unavailable(e)),
    };
    if !oped.signatories.iter().any(|s| s.member_id == member) {
        return Err(app.pages.error(
            StatusCode::FORBIDDEN,
            "For the op-ed's signatories",
            "This page is for those who signed the op-ed.",
        ));
    }
    let jobs = match store::jobs_of(&app.store, oped_id) {
        Ok(j) => j,
        Err(e) => return Err(app.pages.unavailable(e)),
    };
    Ok((oped, jobs))
}

fn language_view(app: &Translation, oped: &Oped, job: &Job) -> Value {
    let key = store::job_key(job.oped_id, &job.language);
    let shown = job
        .completion
        .as_ref()
        .map(|c| (&c.texts, c.method))
        .or_else(|| {
            job.machine
                .as_ref()
                .map(|m| (m, rrm_contracts::TranslationMethod::Machine))
        });
    let back = job.machine.as_ref().and_then(|machine| {
        store::back_translation(&app.store, &key, &job.version_hash)
            .ok()
            .flatten()
            .filter(|b| &b.of == machine)
    });
    json!({
        "language": job.language.as_str(),
        "dir": dir_for(job.language.as_str()),
        "stage": job.stage.name(),
        "done": job.stage == Stage::Done,
        "method": shown.map(|(_, m)| m),
        "translator": job.completion.as_ref().and_then(|c| c.translator.as_ref()).map(|t| &t.1),
        "text": shown.map(|(t, _)| json!({"title": t.title, "standfirst": t.standfirst, "html": to_safe_html(&t.body)})),
        "machine": job.machine.is_some(),
        "back": back.map(|b| json!({
            "title": b.texts.title,
            "standfirst": b.texts.standfirst,
            "html": to_safe_html(&b.texts.body),
            "provider": b.provider,
        })),
        "source": oped.source_language.as_str(),
    })
}

fn render(
    app: &Translation,
    token: &str,
    oped: &Oped,
    jobs: &[Job],
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let languages: Vec<Value> = jobs
        .iter()
        .filter(|j| j.version_hash == oped.version_hash)
        .map(|j| language_view(app, oped, j))
        .collect();
    let data = json!({
        "title": oped.texts.title,
        "source": oped.source_language.as_str(),
        "languages": languages,
        "withdrawn": oped.withdrawn,
        "error": error,
        "csrf": app.links.csrf_for(token),
    });
    app.pages
        .page(status, "Your op-ed in other languages", "check", &data)
}

pub(crate) async fn show(State(app): State<Translation>, Path(token): Path<String>) -> Response {
    match resolve(&app, &token) {
        Ok((oped, jobs)) => render(&app, &token, &oped, &jobs, None, StatusCode::OK),
        Err(page) => page,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct BackForm {
    csrf: String,
    language: String,
}

/// Translates one language's machine text back into the source language.
pub(crate) async fn back(
    State(app): State<Translation>,
    Path(token): Path<String>,
    form: Result<Form<BackForm>, FormRejection>,
) -> Response {
    let (oped, jobs) = match resolve(&app, &token) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Ok(Form(form)) = form else {
        return app.pages.error(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            "Please go back to the page and use its buttons.",
        );
    };
    if !app.links.verify_csrf(&token, &form.csrf) {
        return app.pages.error(
            StatusCode::FORBIDDEN,
            "Please use the page's buttons",
            "This request did not come from the page. Open the link again.",
        );
    }
    let Some(job) = jobs.iter().find(|j| j.language.as_str() == form.language) else {
        return render(
            &app,
            &token,
            &oped,
            &jobs,
            Some(format!(
                "{} is not one of this op-ed's languages.",
                form.language
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    match crate::machine::back_translate(&app, job).await {
        Ok(_) => render(&app, &token, &oped, &jobs, None, StatusCode::OK),
        Err(e) => render(
            &app,
            &token,
            &oped,
            &jobs,
            Some(format!(
                "The back-translation into {} could not be made now: {e}. Try again in a few minutes.",
                oped.source_language
            )),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
    }
}
