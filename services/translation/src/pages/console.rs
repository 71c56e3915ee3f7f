//! The console's translation pages: every op-ed with each language's state (`/console`), one
//! op-ed's jobs — policy, stage, provider, attempts, last error, translator, deadline, failure —
//! with what coordinators can do about a language that is stuck (`/console/opeds/{id}`): try
//! the machine again (on a chosen provider), offer the job to translators again, accept the
//! machine translation, or accept another translation (`/console/opeds/{id}/{language}`).
//! Reading needs `alerts:read`; acting `alerts:write`. Forms go through
//! [`ConsoleForm`] (CSRF checked before anything changes).

use crate::Translation;
use crate::domain::job::Refusal;
use crate::domain::{Job, Next, Stage, Texts};
use crate::store::{self, Oped};
use crate::workflow::{Actor, StepError};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rrm_platform::console::{ConsoleForm, SignedIn, see_other};
use rrm_platform::markdown::to_safe_html;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

const READ: &str = "alerts:read";
const WRITE: &str = "alerts:write";

impl Translation {
    pub(crate) fn console_page(
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

    fn no_oped(&self, who: &SignedIn) -> Response {
        self.console.error(
            who,
            StatusCode::NOT_FOUND,
            "No such op-ed",
            "Translation has no op-ed with this id: an op-ed reaches translation once it is approved.",
        )
    }
}

/// A job as the console shows it.
fn job_row(app: &Translation, job: &Job, translators: &[crate::domain::Translator]) -> Value {
    let name = |id: Uuid| {
        translators
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| id.to_string(), |t| t.name.clone())
    };
    let now = (app.now)();
    let holder = job.holder().map(name);
    let credit = job
        .completion
        .as_ref()
        .and_then(|c| c.translator.as_ref())
        .map(|t| t.1.clone());
    json!({
        "language": job.language.as_str(),
        "policy": job.policy.as_str(),
        "stage": job.stage.name(),
        "open": job.is_open(),
        "done": job.stage == Stage::Done,
        "method": job.completion.as_ref().map(|c| c.method),
        "by": job.completion.as_ref().map(|c| c.by.clone()),
        "provider": job.provider,
        "only_provider": job.only_provider,
        "attempts": job.attempts,
        "last_error": job.last_error,
        "holder": holder,
        "credit": credit,
        "offered": job.offered_to.len(),
        "round": job.round,
        "deadline": rrm_platform::times::readable(job.deadline, now, None),
        "overdue": job.is_open() && now >= job.deadline,
        "failure": job.failure.as_ref().map(|f| f.reason.clone()),
        "machine": job.machine.is_some(),
        "translators": job.policy.needs_translator(),
    })
}

/// Each op-ed as the list shows it: how many languages stand where.
fn oped_row(oped: &Oped, jobs: &[Job]) -> Value {
    let count = |f: &dyn Fn(&Job) -> bool| jobs.iter().filter(|j| f(j)).count();
    json!({
        "oped_id": oped.oped_id,
        "alert_id": oped.alert_id,
        "title": oped.texts.title,
        "source": oped.source_language.as_str(),
        "languages": oped.target_languages.len(),
        "done": count(&|j| j.stage == Stage::Done) + usize::from(oped.target_languages.iter().any(|l| l.primary() == oped.source_language.primary())),
        "open": count(&|j| j.is_open()),
        "failed": count(&|j| j.is_open() && j.failure.is_some()),
        "corrections": oped.corrections,
        "withdrawn": oped.withdrawn.is_some(),
    })
}

pub(crate) async fn list(State(app): State<Translation>, who: SignedIn) -> Response {
    if !who.may(READ) {
        return app.console.lacks_scope(&who, READ, "reading translations");
    }
    let read = app
        .store
        .read(|s| {
            let mut rows = Vec::new();
            for oped in store::opeds(s, 200)? {
                let jobs = store::jobs_of(s, oped.oped_id)?;
                rows.push(oped_row(&oped, &jobs));
            }
            Ok(rows)
        })
        .await;
    match read {
        Ok(rows) => app.console_page(
            &who,
            StatusCode::OK,
            "Translations",
            "opeds",
            json!({ "opeds": rows }),
        ),
        Err(e) => app.console.unavailable(&who, e),
    }
}

/// `/console/alerts/{alert_id}`: the alert's op-ed (intake's alert page links here).
pub(crate) async fn of_alert(
    State(app): State<Translation>,
    who: SignedIn,
    Path(raw): Path<String>,
) -> Response {
    if !who.may(READ) {
        return app.console.lacks_scope(&who, READ, "reading translations");
    }
    let none = || {
        app.console.error(
            &who,
            StatusCode::NOT_FOUND,
            "Nothing to translate for this alert yet",
            "Translation starts once the alert's op-ed is approved.",
        )
    };
    let Ok(alert_id) = Uuid::parse_str(&raw) else {
        return none();
    };
    match app
        .store
        .read(move |s| store::opeds_of_alert(s, alert_id))
        .await
    {
        Ok(opeds) => match opeds.last() {
            Some(o) => see_other(&format!("{}/console/opeds/{}", app.public_url, o.oped_id)),
            None => none(),
        },
        Err(e) => app.console.unavailable(&who, e),
    }
}

async fn oped_page(
    app: &Translation,
    who: &SignedIn,
    oped_id: Uuid,
    message: Option<(bool, String)>,
    status: StatusCode,
) -> Response {
    let read = app
        .store
        .read(move |s| {
            Ok((
                store::oped(s, oped_id)?,
                store::jobs_of(s, oped_id)?,
                store::translators(s)?,
            ))
        })
        .await;
    let (oped, jobs, translators) = match read {
        Ok((Some(o), j, t)) => (o, j, t),
        Ok((None, ..)) => return app.no_oped(who),
        Err(e) => return app.console.unavailable(who, e),
    };
    let rows: Vec<Value> = jobs.iter().map(|j| job_row(app, j, &translators)).collect();
    let data = json!({
        "oped": oped_row(&oped, &jobs),
        "withdrawn": oped.withdrawn,
        "jobs": rows,
        "providers": app.providers.names(),
        "may_act": who.may(WRITE),
        "message": message.as_ref().map(|m| &m.1),
        "refused": message.as_ref().is_some_and(|m| !m.0),
    });
    app.console_page(who, status, &oped.texts.title, "oped", data)
}

pub(crate) async fn show(
    State(app): State<Translation>,
    who: SignedIn,
    Path(raw): Path<String>,
) -> Response {
    if !who.may(READ) {
        return app.console.lacks_scope(&who, READ, "reading translations");
    }
    let Ok(oped_id) = Uuid::parse_str(&raw) else {
        return app.no_oped(&who);
    };
    oped_page(&app, &who, oped_id, None, StatusCode::OK).await
}

/// One language of an op-ed: the source, the machine's text and what went out, side by side,
/// with the form to accept another translation.
async fn job_page(
    app: &Translation,
    who: &SignedIn,
    oped_id: Uuid,
    language: &str,
    kept: Option<(&Texts, &str, String)>,
    status: StatusCode,
) -> Response {
    let key = format!("{oped_id}:{language}");
    let read = app
        .store
        .read(move |s| {
            Ok((
                store::oped(s, oped_id)?,
                store::job(s, &key)?,
                store::translators(s)?,
            ))
        })
        .await;
    let (oped, job, translators) = match read {
        Ok((Some(o), Some(j), t)) => (o, j, t),
        Ok(_) => return app.no_oped(who),
        Err(e) => return app.console.unavailable(who, e),
    };
    let view = |t: &Texts| json!({"title": t.title, "standfirst": t.standfirst, "body": t.body, "html": to_safe_html(&t.body)});
    let data = json!({
        "oped": oped_row(&oped, &[]),
        "job": job_row(app, &job, &translators),
        "dir": rrm_platform::pages::dir_for(job.language.as_str()),
        "source": view(&oped.texts),
        "machine": job.machine.as_ref().map(view),
        "delivered": job.completion.as_ref().map(|c| view(&c.texts)),
        "providers": app.providers.names(),
        "may_act": who.may(WRITE),
        "form": kept.as_ref().map(|(t, credit, _)| json!({"title": t.title, "standfirst": t.standfirst, "body": t.body, "credit": credit})),
        "message": kept.as_ref().map(|k| &k.2),
    });
    let title = format!("{} — {}", oped.texts.title, job.language);
    app.console_page(who, status, &title, "job", data)
}

pub(crate) async fn show_job(
    State(app): State<Translation>,
    who: SignedIn,
    Path((raw, language)): Path<(String, String)>,
) -> Response {
    if !who.may(READ) {
        return app.console.lacks_scope(&who, READ, "reading translations");
    }
    let Ok(oped_id) = Uuid::parse_str(&raw) else {
        return app.no_oped(&who);
    };
    job_page(&app, &who, oped_id, &language, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct ActForm {
    /// `retry`, `reoffer`, `accept_machine` or `accept_text`.
    action: String,
    /// For `retry`: one provider's name, or empty for every provider in order.
    #[serde(default)]
    provider: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    standfirst: String,
    #[serde(default)]
    body: String,
    /// For `accept_text`: the translator to credit, if any.
    #[serde(default)]
    credit: String,
}

/// A coordinator acts on one language's job.
pub(crate) async fn act(
    State(app): State<Translation>,
    Path((raw, language)): Path<(String, String)>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<ActForm>,
) -> Response {
    if !who.may(WRITE) {
        return app
            .console
            .lacks_scope(&who, WRITE, "acting on translations");
    }
    let Ok(oped_id) = Uuid::parse_str(&raw) else {
        return app.no_oped(&who);
    };
    let key = format!("{oped_id}:{language}");
    let by = who.coordinator.name.clone();
    let actor = Actor::Coordinator(by.clone());
    let budget = app.budget();
    let texts = Texts {
        title: form.title.clone(),
        standfirst: form.standfirst.clone(),
        body: form.body.clone(),
    };
    let result = match form.action.as_str() {
        "retry" => {
            let provider = Some(form.provider.trim().to_owned()).filter(|p| !p.is_empty());
            if let Some(p) = &provider
                && !app.providers.names().contains(&p.as_str())
            {
                return oped_page(
                    &app,
                    &who,
                    oped_id,
                    Some((false, format!("{p} is not a configured provider."))),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
            app.step(&key, actor, move |job, now| {
                job.retry_machine(provider, now, budget)
                    .map(|()| Next::Nothing)
            })
            .await
        }
        "reoffer" => {
            app.step(&key, actor, move |job, now| {
                if !job.policy.needs_translator() {
                    return Err(Refusal::Invalid(format!(
                        "{} is translated by machine only",
                        job.language
                    )));
                }
                job.reoffer(now, budget)
            })
            .await
        }
        "accept_machine" => {
            app.step(&key, actor, move |job, now| job.accept_machine(&by, now))
                .await
        }
        "accept_text" => {
            let credit = Some(form.credit.clone());
            let kept = texts.clone();
            let result = app
                .step(&key, actor, move |job, now| {
                    job.accept_text(kept, credit, &by, now)
                })
                .await;
            if let Err(StepError::Refused(r)) = &result {
                return job_page(
                    &app,
                    &who,
                    oped_id,
                    &language,
                    Some((&texts, &form.credit, format!("Not accepted: {r}."))),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
            result
        }
        other => {
            return oped_page(
                &app,
                &who,
                oped_id,
                Some((false, format!("Unknown action {other:?}."))),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    match result {
        Ok(job) => {
            let what = match form.action.as_str() {
                "retry" => format!(
                    "{}: the machine tries again{}.",
                    job.language,
                    job.only_provider
                        .as_ref()
                        .map(|p| format!(" on {p}"))
                        .unwrap_or_default()
                ),
                "reoffer" => format!("{}: offered to translators again.", job.language),
                _ => format!("{}: accepted; editors receive it now.", job.language),
            };
            oped_page(&app, &who, oped_id, Some((true, what)), StatusCode::OK).await
        }
        Err(StepError::Refused(r)) => {
            oped_page(
                &app,
                &who,
                oped_id,
                Some((false, format!("{language}: {r}."))),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(StepError::NotFound) => app.no_oped(&who),
        Err(StepError::Failed(e)) => app.console.unavailable(&who, e),
    }
}
