//! The translator's offer page, behind the e-mailed link (bound to the translator, the job and
//! its round). It shows the source and the machine pre-draft side by side; its POSTs claim the
//! job, decline it (it goes to the next translator at once), submit the translation, or give a
//! claimed job back. Only the translator the job is offered to can claim it, and only the
//! translator who claimed it can submit: a job has one active claim at most.

use crate::domain::job::Refusal;
use crate::domain::{Job, Stage, Texts};
use crate::store::{self, Oped};
use crate::workflow::{Actor, StepError};
use crate::{OFFER, Translation};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rrm_platform::markdown::to_safe_html;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// What an offer link names, found.
struct Found {
    key: String,
    round: u32,
    translator: crate::domain::Translator,
    job: Job,
    oped: Oped,
}

fn resolve(app: &Translation, token: &str) -> Result<Found, Response> {
    let claims = app
        .links
        .verify(token, OFFER, (app.now)())
        .map_err(|e| app.pages.link_error(e))?;
    let gone = || {
        app.pages.error(
            StatusCode::NOT_FOUND,
            "This job no longer exists",
            "The translation job this link was for is not known any more.",
        )
    };
    let translator_id: Uuid = claims.subject.parse().map_err(|_| gone())?;
    let round: u32 = claims
        .version
        .as_deref()
        .unwrap_or("0")
        .parse()
        .map_err(|_| gone())?;
    let translator = match store::translator(&app.store, translator_id) {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Err(app.pages.error(
                StatusCode::GONE,
                "You are no longer on the translators' list",
                "The coordinators removed you from the list of translators, so this offer is closed.",
            ));
        }
        Err(e) => return Err(app.pages.unavailable(e)),
    };
    let job = match store::job(&app.store, &claims.object) {
        Ok(Some(j)) => j,
        Ok(None) => return Err(gone()),
        Err(e) => return Err(app.pages.unavailable(e)),
    };
    let oped = match store::oped(&app.store, job.oped_id) {
        Ok(Some(o)) => o,
        Ok(None) => return Err(gone()),
        Err(e) => return Err(app.pages.unavailable(e)),
    };
    Ok(Found {
        key: claims.object,
        round,
        translator,
        job,
        oped,
    })
}

fn texts_view(texts: &Texts) -> Value {
    json!({
        "title": texts.title,
        "standfirst": texts.standfirst,
        "body": texts.body,
        "html": to_safe_html(&texts.body),
    })
}

/// What the page shows the translator, from where the job stands.
fn state(found: &Found) -> &'static str {
    let me = found.translator.id;
    let job = &found.job;
    if job.round != found.round {
        return "replaced";
    }
    match &job.stage {
        Stage::Cancelled => "withdrawn",
        Stage::Done => match &job.completion {
            Some(c) if c.translator.as_ref().map(|t| t.0) == Some(me) => "submitted",
            _ => "closed",
        },
        Stage::Offered { translator, .. } if *translator == me => "offered",
        Stage::Claimed { translator, .. } if *translator == me => "claimed",
        _ if job.offered_to.contains(&me) => "passed",
        _ => "not_offered",
    }
}

fn render(
    app: &Translation,
    token: &str,
    found: &Found,
    draft: Option<&Texts>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let job = &found.job;
    let state = state(found);
    let expires = match &job.stage {
        Stage::Offered { expires_at, .. } => Some(rrm_platform::times::readable(
            *expires_at,
            (app.now)(),
            None,
        )),
        _ => None,
    };
    // The form starts from what the translator wrote, else the machine pre-draft.
    let draft = draft.or(job.machine.as_ref());
    let data = json!({
        "name": found.translator.name,
        "title": found.oped.texts.title,
        "from": job.source_language.as_str(),
        "to": job.language.as_str(),
        "to_dir": rrm_platform::pages::dir_for(job.language.as_str()),
        "review": job.policy == crate::domain::Policy::MachineReview && job.machine.is_some(),
        "source": texts_view(&found.oped.texts),
        "machine": job.machine.as_ref().map(texts_view),
        "provider": job.provider,
        "draft": draft,
        "state": { state: true },
        "expires": expires,
        "deadline": rrm_platform::times::readable(job.deadline, (app.now)(), None),
        "signatories": found.oped.signatories.iter().map(|s| &s.name).collect::<Vec<_>>(),
        "error": error,
        "csrf": app.links.csrf_for(token),
        "max_title": crate::domain::job::MAX_TITLE,
        "max_standfirst": crate::domain::job::MAX_STANDFIRST,
        "max_body": crate::domain::job::MAX_BODY,
    });
    app.pages.page(status, "Translation job", "offer", &data)
}

pub(crate) async fn show(State(app): State<Translation>, Path(token): Path<String>) -> Response {
    match resolve(&app, &token) {
        Ok(found) => render(&app, &token, &found, None, None, StatusCode::OK),
        Err(page) => page,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct OfferForm {
    csrf: String,
    /// `claim`, `decline`, `submit` or `release`.
    action: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    standfirst: String,
    #[serde(default)]
    body: String,
}

pub(crate) async fn answer(
    State(app): State<Translation>,
    Path(token): Path<String>,
    form: Result<Form<OfferForm>, FormRejection>,
) -> Response {
    let found = match resolve(&app, &token) {
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
        tracing::warn!("refused an offer-page answer without a valid CSRF value");
        return app.pages.error(
            StatusCode::FORBIDDEN,
            "Please use the job's page",
            "This answer did not come from the job's page. Open the link from your e-mail again.",
        );
    }
    if found.job.round != found.round {
        return render(&app, &token, &found, None, None, StatusCode::CONFLICT);
    }
    let me = found.translator.id;
    let name = found.translator.name.clone();
    let texts = Texts {
        title: form.title,
        standfirst: form.standfirst,
        body: form.body,
    };
    let actor = Actor::Translator(me, name.clone());
    let result = match form.action.as_str() {
        "claim" => {
            app.step(&found.key, actor, move |job, now| {
                job.claim(me, now).map(|()| crate::domain::Next::Nothing)
            })
            .await
        }
        "decline" => {
            app.step(&found.key, actor, move |job, now| {
                match job.offer_ended(me, now, true) {
                    crate::domain::Next::Nothing => Err(Refusal::NotOffered),
                    next => Ok(next),
                }
            })
            .await
        }
        "release" => {
            app.step(&found.key, actor, move |job, _| job.release(me))
                .await
        }
        "submit" => {
            let kept = texts.clone();
            app.step(&found.key, actor, move |job, now| {
                job.submit((me, name), kept, now)
            })
            .await
        }
        _ => {
            return app.pages.error(
                StatusCode::BAD_REQUEST,
                "Unknown answer",
                "Please go back to the page and use its buttons.",
            );
        }
    };
    match result {
        Ok(job) => {
            let found = Found { job, ..found };
            render(&app, &token, &found, None, None, StatusCode::OK)
        }
        Err(StepError::Refused(Refusal::Invalid(problem))) => {
            // Keep what they wrote: nothing is lost to a refused submit.
            render(
                &app,
                &token,
                &found,
                Some(&texts),
                Some(format!("Not submitted: {problem}.")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(StepError::Refused(refusal)) => {
            let found = match resolve(&app, &token) {
                Ok(found) => found,
                Err(page) => return page,
            };
            let keep = (form.action == "submit").then_some(&texts);
            render(
                &app,
                &token,
                &found,
                keep,
                Some(format!("{refusal}.")),
                StatusCode::CONFLICT,
            )
        }
        Err(StepError::NotFound) => app.pages.error(
            StatusCode::NOT_FOUND,
            "This job no longer exists",
            "The translation job this link was for is not known any more.",
        ),
        Err(StepError::Failed(e)) => app.pages.unavailable(e),
    }
}
