//! `GET /console`: the alerts, newest first, a page at a time, with the filters of the API's
//! listing (status, overdue, since) as a GET form. Reloads itself every 30 s.

use super::{ConsoleApp, local_value, parse_utc};
use crate::api::alerts::{cursor, parse_cursor, summaries};
use crate::domain::{AlertStatus, ListFilter};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use rrm_platform::FieldProblem;
use rrm_platform::console::SignedIn;
use serde::Deserialize;
use serde_json::json;

/// How many alerts one page shows.
const PAGE: usize = 25;

/// The filter form's fields: all optional, an empty field is no filter.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    status: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    cursor: String,
}

pub async fn list(
    State(s): State<ConsoleApp>,
    who: SignedIn,
    query: Result<Query<Filters>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let query = query.map(|q| q.0).unwrap_or_default();
    if !who.may("alerts:read") {
        return s.console.lacks_scope(&who, "alerts:read", "reading alerts");
    }
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: &str| {
        problems.push(FieldProblem {
            field: field.into(),
            message: message.into(),
        })
    };
    let status = match query.status.as_str() {
        "" => None,
        raw => AlertStatus::parse(raw).or_else(|| {
            problem("status", "must be open or cancelled");
            None
        }),
    };
    let overdue = match query.overdue.as_str() {
        "" => None,
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            problem("overdue", "must be yes or no");
            None
        }
    };
    let since = match query.since.trim() {
        "" => None,
        raw => parse_utc(raw).or_else(|| {
            problem(
                "since",
                "must be a date and time, e.g. 2026-11-23T09:00 (UTC)",
            );
            None
        }),
    };
    let before = match query.cursor.as_str() {
        "" => None,
        raw => parse_cursor(raw).or_else(|| {
            problem(
                "cursor",
                "is not a link from a previous page: start again from the first page",
            );
            None
        }),
    };
    // The filters as they stand, to keep them in the form and in the next page's link.
    let mut kept = Vec::new();
    if let Some(status) = status {
        kept.push(format!(
            "status={}",
            if status == AlertStatus::Open {
                "open"
            } else {
                "cancelled"
            }
        ));
    }
    if let Some(overdue) = overdue {
        kept.push(format!("overdue={overdue}"));
    }
    if let Some(since) = since {
        kept.push(format!("since={}", local_value(since)));
    }
    let form = json!({
        "status": query.status,
        "overdue": query.overdue,
        "since": query.since,
    });
    if !problems.is_empty() {
        return s.page(
            StatusCode::BAD_REQUEST,
            "Alerts",
            "alerts",
            &json!({ "form": form, "errors": FieldProblem::by_field(&problems), "alerts": [], "may_raise": who.may("alerts:write") }),
            &who.frame(),
        );
    }
    let filter = ListFilter { status, since };
    let now = Utc::now();
    let alerts = s
        .app
        .service
        .store
        .read(move |store| summaries(store, before, PAGE + 1, filter, overdue, now))
        .await;
    let mut alerts = match alerts {
        Ok(alerts) => alerts,
        Err(e) => return s.console.unavailable(&who, e),
    };
    let next = if alerts.len() > PAGE {
        alerts.truncate(PAGE);
        alerts.last().map(|a| {
            let mut params = kept.clone();
            params.push(format!("cursor={}", cursor(a.alert.alert_id)));
            s.url(&format!("/console?{}", params.join("&")))
        })
    } else {
        None
    };
    let first = before.map(|_| {
        if kept.is_empty() {
            s.url("/console")
        } else {
            s.url(&format!("/console?{}", kept.join("&")))
        }
    });
    s.page(
        StatusCode::OK,
        "Alerts",
        "alerts",
        &json!({
            "form": form,
            "alerts": alerts,
            "next": next,
            "first": first,
            "filtered": !kept.is_empty(),
            "may_raise": who.may("alerts:write"),
        }),
        &who.frame().refresh(30),
    )
}
