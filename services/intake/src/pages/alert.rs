//! `GET /console/alerts/{id}`: one alert — its words, its five stages (started, finished, who
//! acted, progress, budget, due, overdue) and its timeline — reloading itself every 10 s while
//! the alert is open and unfinished; `POST /console/alerts/{id}/cancel` cancels it for a reason.

use super::ConsoleApp;
use crate::api::alerts::{AlertView, cancel_in};
use crate::domain::{self, AlertStatus, CancelAlert, CancelError, StageState};
use crate::store;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use rrm_platform::console::see_other;
use rrm_platform::console::{ConsoleForm, SignedIn};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// How often an unfinished alert's page reloads itself.
const REFRESH_SECONDS: u32 = 10;

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    #[serde(default)]
    notice: String,
}

pub async fn show(
    State(s): State<ConsoleApp>,
    who: SignedIn,
    Path(id): Path<String>,
    notice: Result<Query<Notice>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if !who.may("alerts:read") {
        return s.console.lacks_scope(&who, "alerts:read", "reading alerts");
    }
    let id = match parse_id(&s, &who, &id) {
        Ok(id) => id,
        Err(page) => return page,
    };
    let notice = match notice.ok().map(|q| q.0.notice).as_deref() {
        Some("raised") => Some("The alert is raised: the roster is mobilising its panel."),
        Some("duplicate") => Some(
            "An open alert for this event already exists, so no new alert was raised: this is the existing one.",
        ),
        Some("cancelled") => Some("The alert is cancelled; every service has been told."),
        _ => None,
    };
    render(&s, &who, id, StatusCode::OK, notice, None, "").await
}

/// The alert page, or the page saying why it cannot be shown.
async fn render(
    s: &ConsoleApp,
    who: &SignedIn,
    id: Uuid,
    status: StatusCode,
    notice: Option<&str>,
    reason_error: Option<&str>,
    reason: &str,
) -> Response {
    let read = s
        .app
        .service
        .store
        .read(move |st| store::alert_shown(st, id))
        .await;
    let (alert, pipeline, timeline) = match read {
        Ok(Some(found)) => found,
        Ok(None) => {
            return s.console.error(
                who,
                StatusCode::NOT_FOUND,
                "No such alert",
                "There is no alert with this id. It may have been mistyped; the alerts list has every alert.",
            );
        }
        Err(e) => return s.console.unavailable(who, e),
    };
    let view = AlertView::new(&alert, pipeline.as_ref(), false, timeline);
    let open = alert.status == AlertStatus::Open;
    let unfinished = open && !view.progress.completed;
    let stages: Vec<Value> = view
        .stages
        .iter()
        .map(|stage| {
            let mut v = serde_json::to_value(stage).unwrap_or_default();
            if let Some(fields) = v.as_object_mut() {
                fields.insert("label".into(), label(stage.stage.as_str()).into());
                fields.insert(
                    "overdue".into(),
                    (stage.state == StageState::Overdue).into(),
                );
                fields.insert("budget".into(), stage.budget_seconds.map(duration).into());
                fields.insert("actors".into(), stage.actors.join(", ").into());
            }
            v
        })
        .collect();
    let data = json!({
        "alert": view.alert,
        "progress": view.progress,
        "stages": stages,
        "timeline": view.timeline,
        "notice": notice,
        "open": open,
        "unfinished": unfinished,
        "may_cancel": open && who.may("alerts:write"),
        "reason": reason,
        "reason_error": reason_error,
        "csrf": who.csrf(),
        "languages": alert.languages.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", "),
        "regions": alert.regions.join(", "),
        "topics": alert.topics.join(", "),
        // Who roster invited, why, and their answers: the panel's page in roster's console.
        "panel_url": format!("{}/console/panels/{}", s.app.service.public_url("roster"), alert.alert_id),
        // The op-ed's versions, signatures and audit log: the draft's page in drafting's console.
        "draft_url": format!("{}/console/alerts/{}", s.app.service.public_url("drafting"), alert.alert_id),
        // Each language's translation job: its state, provider, translator, and what to do
        // about one that is stuck.
        "translation_url": format!("{}/console/alerts/{}", s.app.service.public_url("translation"), alert.alert_id),
    });
    let frame = if unfinished {
        who.frame().refresh(REFRESH_SECONDS)
    } else {
        who.frame()
    };
    s.page(status, &alert.title, "alert", &data, &frame)
}

#[derive(Debug, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    State(s): State<ConsoleApp>,
    Path(id): Path<String>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<CancelForm>,
) -> Response {
    if !who.may("alerts:write") {
        return s
            .console
            .lacks_scope(&who, "alerts:write", "cancelling an alert");
    }
    let id = match parse_id(&s, &who, &id) {
        Ok(id) => id,
        Err(page) => return page,
    };
    let reason = match domain::cancel_reason(CancelAlert {
        reason: form.reason.clone(),
    }) {
        Ok(reason) => reason,
        Err(problems) => {
            let message = format!(
                "The reason {}.",
                problems
                    .first()
                    .map_or("is missing", |p| p.message.as_str())
            );
            return render(
                &s,
                &who,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(&message),
                &form.reason,
            )
            .await;
        }
    };
    let by = who.coordinator.name.clone();
    let now = Utc::now();
    let cancelled = s
        .app
        .service
        .store
        .transact(move |tx| cancel_in(tx, id, reason, &by, now))
        .await;
    match cancelled {
        Ok(_) => {
            let span = tracing::info_span!("alert", correlation_id = %id);
            span.in_scope(|| tracing::info!("alert cancelled from the console"));
            see_other(&s.url(&format!("/console/alerts/{id}?notice=cancelled")))
        }
        Err(rrm_bus::TxError::Abort(None)) => s.console.error(
            &who,
            StatusCode::NOT_FOUND,
            "No such alert",
            "There is no alert with this id.",
        ),
        Err(rrm_bus::TxError::Abort(Some(CancelError::AlreadyCancelled))) => {
            render(
                &s,
                &who,
                id,
                StatusCode::CONFLICT,
                Some("The alert was already cancelled; nothing was changed."),
                None,
                "",
            )
            .await
        }
        Err(rrm_bus::TxError::Storage(e)) => s.console.unavailable(&who, e),
    }
}

fn parse_id(s: &ConsoleApp, who: &SignedIn, raw: &str) -> Result<Uuid, Response> {
    Uuid::parse_str(raw).map_err(|_| {
        s.console.error(
            who,
            StatusCode::BAD_REQUEST,
            "Not an alert address",
            "This address does not name an alert: the part after /console/alerts/ is not an alert id. Open the alert from the alerts list.",
        )
    })
}

fn label(stage: &str) -> String {
    let mut chars = stage.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `seconds` as people say a budget: "30 min", "2 h", "1 h 30 min".
fn duration(seconds: i64) -> String {
    let minutes = (seconds + 59) / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_read_in_hours_and_minutes() {
        assert_eq!(duration(1800), "30 min");
        assert_eq!(duration(7200), "2 h");
        assert_eq!(duration(5400), "1 h 30 min");
        assert_eq!(label("mobilisation"), "Mobilisation");
    }
}
