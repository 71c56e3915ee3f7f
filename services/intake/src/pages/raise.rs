//! `GET/POST /console/alerts/new`: the raise form. A refused form comes back (422) with a
//! message under each field and what was typed kept; a raised alert, or the open alert the form
//! repeats, is shown on its own page. Needs the `alerts:write` scope.

use super::{ConsoleApp, comma_list, local_value, parse_utc};
use crate::api::alerts::raise_in;
use crate::domain::{self, Defaults, NewAlert};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Duration, Utc};
use rrm_contracts::Severity;
use rrm_platform::FieldProblem;
use rrm_platform::console::see_other;
use rrm_platform::console::{ConsoleForm, SignedIn};
use serde::{Deserialize, Serialize};
use serde_json::json;

const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];

/// The form's fields as typed (kept to show the form again).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct RaiseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    regions: String,
    #[serde(default)]
    topics: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    languages: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    dedup_key: String,
}

pub async fn form(State(s): State<ConsoleApp>, who: SignedIn) -> Response {
    if !who.may("alerts:write") {
        return s
            .console
            .lacks_scope(&who, "alerts:write", "raising an alert");
    }
    let form = RaiseForm {
        severity: "high".into(),
        deadline: local_value(Utc::now() + Duration::hours(s.app.deadline_hours)),
        ..RaiseForm::default()
    };
    page(&s, &who, StatusCode::OK, &form, &[])
}

pub async fn submit(
    State(s): State<ConsoleApp>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<RaiseForm>,
) -> Response {
    if !who.may("alerts:write") {
        return s
            .console
            .lacks_scope(&who, "alerts:write", "raising an alert");
    }
    let now = Utc::now();
    let (input, mut problems) = read(&form);
    let defaults = Defaults {
        languages: &s.app.languages,
        supported: &s.app.supported,
        deadline_hours: s.app.deadline_hours,
    };
    let alert = match domain::validate(input, &defaults, &who.coordinator.name, now) {
        Ok(alert) if problems.is_empty() => alert,
        Ok(_) => return page(&s, &who, StatusCode::UNPROCESSABLE_ENTITY, &form, &problems),
        Err(more) => {
            // The form's own problems (severity, deadline) come first; one message per field.
            for p in more {
                if !problems.iter().any(|q| q.field == p.field) {
                    problems.push(p);
                }
            }
            return page(&s, &who, StatusCode::UNPROCESSABLE_ENTITY, &form, &problems);
        }
    };
    let (window, budgets) = (s.app.dedup_window, s.app.budgets);
    let stored = s
        .app
        .service
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            Ok(raise_in(tx, alert, now, window, &budgets)?)
        })
        .await;
    let (stored, duplicate) = match stored {
        Ok(stored) => stored,
        Err(e) => return s.console.unavailable(&who, e),
    };
    let span = tracing::info_span!("alert", correlation_id = %stored.alert_id);
    span.in_scope(|| tracing::info!(duplicate, "alert raised from the console"));
    let notice = if duplicate { "duplicate" } else { "raised" };
    see_other(&s.url(&format!(
        "/console/alerts/{}?notice={notice}",
        stored.alert_id
    )))
}

/// The form as an API request, and what the form itself cannot read (a severity that is not
/// one of the four, a deadline that is not a time). Languages and lists are split at commas.
fn read(form: &RaiseForm) -> (NewAlert, Vec<FieldProblem>) {
    let mut problems = Vec::new();
    let severity = match form.severity.as_str() {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "critical" => Severity::Critical,
        "high" => Severity::High,
        _ => {
            problems.push(FieldProblem {
                field: "severity".into(),
                message: "choose low, medium, high or critical".into(),
            });
            Severity::High
        }
    };
    let deadline = match form.deadline.trim() {
        "" => None,
        raw => match parse_utc(raw) {
            Some(t) => Some(t),
            None => {
                problems.push(FieldProblem {
                    field: "deadline".into(),
                    message: "must be a date and time in UTC, e.g. 2026-11-23T19:00".into(),
                });
                None
            }
        },
    };
    let languages = comma_list(&form.languages.replace(' ', ","));
    let input = NewAlert {
        title: form.title.clone(),
        summary: form.summary.clone(),
        regions: comma_list(&form.regions),
        topics: comma_list(&form.topics),
        severity,
        languages: (!languages.is_empty()).then_some(languages),
        deadline,
        dedup_key: Some(form.dedup_key.clone()).filter(|k| !k.trim().is_empty()),
    };
    (input, problems)
}

fn page(
    s: &ConsoleApp,
    who: &SignedIn,
    status: StatusCode,
    form: &RaiseForm,
    problems: &[FieldProblem],
) -> Response {
    let severities: Vec<_> = SEVERITIES
        .iter()
        .map(|v| json!({ "value": v, "selected": *v == form.severity }))
        .collect();
    let defaults: Vec<&str> = s.app.languages.iter().map(|l| l.as_str()).collect();
    let supported: Vec<&str> = s.app.supported.iter().map(|l| l.as_str()).collect();
    s.page(
        status,
        "Raise an alert",
        "raise",
        &json!({
            "form": form,
            "errors": FieldProblem::by_field(problems),
            "severities": severities,
            "default_languages": defaults.join(", "),
            "supported_languages": supported.join(", "),
            "deadline_hours": s.app.deadline_hours,
            "csrf": who.csrf(),
        }),
        &who.frame(),
    )
}
