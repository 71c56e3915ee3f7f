//! `POST /api/v1/webhooks/alertmanager`: Prometheus Alertmanager raises alerts (scope
//! `alerts:write`, sent as `http_config.authorization.credentials`). The mapping and what is
//! refused are described in [`crate::domain::webhook`]; the whole notification is handled in
//! one transaction, so it is stored entirely or not at all.

use super::App;
use super::alerts::raise_in;
use crate::domain::webhook::{self, Notification, Step};
use crate::domain::{self, Defaults, TimelineEntry};
use crate::store;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rrm_platform::{ApiJson, FieldProblem, Problem, auth};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What became of one alert of the notification.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AlertmanagerOutcome)]
pub struct Outcome {
    #[schema(example = "c6a4b3f2e1d0a9b8")]
    fingerprint: String,
    /// The rrm alert it raised, repeated or was recorded on; null when ignored.
    #[schema(required = true)]
    alert_id: Option<Uuid>,
    #[schema(inline)]
    outcome: OutcomeKind,
    /// Why a field was read differently than sent (e.g. an unknown severity); absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    notes: Vec<String>,
}

/// What became of an Alertmanager alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// A firing alert raised a new rrm alert.
    Raised,
    /// A firing alert repeated one already raised.
    Duplicate,
    /// A resolved alert was recorded on its rrm alert's timeline.
    ResolvedRecorded,
    /// A resolved alert rrm never saw.
    Ignored,
}

impl OutcomeKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Raised => "raised",
            Self::Duplicate => "duplicate",
            Self::ResolvedRecorded => "resolved_recorded",
            Self::Ignored => "ignored",
        }
    }
}

/// The answer to a notification.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AlertmanagerAnswer)]
pub struct Answer {
    /// One per alert of the notification, in its order.
    alerts: Vec<Outcome>,
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks/alertmanager",
    tag = "webhooks",
    operation_id = "alertmanager_webhook",
    summary = "Alertmanager webhook receiver (scope alerts:write)",
    description = "Firing alerts are raised (title ← annotation summary or label alertname; summary ← \
                   annotation description; regions ← label region/regions; topics ← topic/topics; \
                   severity ← label severity, unknown → medium with a note; languages ← label \
                   languages; dedup key am:<groupKey>:<fingerprint>). Resolved alerts are recorded \
                   on the alert's timeline, never cancel it. The notification is stored whole or \
                   not at all. Configure Alertmanager with the token as \
                   `http_config.authorization.credentials`.",
    request_body(content = Notification, content_type = "application/json"),
    responses(
        (status = 200, description = "What became of each alert", body = Answer),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks alerts:write", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Another payload version, a missing required field, or an alert that maps to an invalid rrm alert (fields named as alerts[i].…)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["alerts:write"]))
)]
pub async fn alertmanager(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<ApiJson<Notification>, Problem>,
) -> Result<Response, Problem> {
    let coordinator = auth::authenticate(&app.service.store, &headers, "alerts:write")?;
    let ApiJson(notification) = body?;
    let steps = webhook::plan(&notification).map_err(Problem::invalid_fields)?;
    let now = Utc::now();
    let defaults = Defaults {
        languages: &app.languages,
        supported: &app.supported,
        deadline_hours: app.deadline_hours,
    };
    // Every alert is checked before anything is stored.
    let mut errors = Vec::new();
    let mut planned = Vec::new();
    for (i, step) in steps.into_iter().enumerate() {
        match step {
            Step::Raise {
                fingerprint,
                alert,
                notes,
            } => match domain::validate(alert, &defaults, &coordinator.name, now) {
                Ok(alert) => planned.push(Planned::Raise {
                    fingerprint,
                    alert: Box::new(alert),
                    notes,
                }),
                Err(problems) => errors.extend(problems.into_iter().map(|p| FieldProblem {
                    field: format!("alerts[{i}].{}", p.field),
                    message: p.message,
                })),
            },
            Step::Resolve {
                fingerprint,
                dedup_key,
                ends_at,
            } => planned.push(Planned::Resolve {
                fingerprint,
                dedup_key,
                ends_at,
            }),
        }
    }
    if !errors.is_empty() {
        return Err(Problem::invalid_fields(errors));
    }
    let (window, budgets) = (app.dedup_window, app.budgets);
    let outcomes = app
        .service
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            let mut outcomes = Vec::new();
            for step in planned {
                outcomes.push(match step {
                    Planned::Raise {
                        fingerprint,
                        alert,
                        notes,
                    } => {
                        let am_key = format!("key:{}", alert.dedup_key.clone().unwrap_or_default());
                        // A repeat of an Alertmanager alert returns it even once cancelled.
                        let known = match store::dedup(tx, &am_key)? {
                            Some(id) => store::alert_in(tx, id)?,
                            None => None,
                        };
                        let (stored, duplicate) = match known {
                            Some(existing) => (existing, true),
                            None => raise_in(tx, *alert, now, window, &budgets)?,
                        };
                        // Same event by title: its resolution must find this alert too.
                        store::put_dedup(tx, &am_key, stored.alert_id)?;
                        Outcome {
                            fingerprint,
                            alert_id: Some(stored.alert_id),
                            outcome: if duplicate {
                                OutcomeKind::Duplicate
                            } else {
                                OutcomeKind::Raised
                            },
                            notes,
                        }
                    }
                    Planned::Resolve {
                        fingerprint,
                        dedup_key,
                        ends_at,
                    } => {
                        let id = store::dedup(tx, &format!("key:{dedup_key}"))?;
                        match id {
                            Some(alert_id) => {
                                let at = ends_at.filter(|t| *t > chrono::DateTime::UNIX_EPOCH);
                                let stamp = at.map(|t| t.to_rfc3339()).unwrap_or_default();
                                if store::first_resolution(tx, &dedup_key, &stamp, alert_id)? {
                                    let entry = TimelineEntry {
                                        event_id: Uuid::now_v7(),
                                        event_type: "alertmanager.resolved".into(),
                                        occurred_at: at.unwrap_or(now),
                                        producer: "alertmanager".into(),
                                        summary: "resolved in Alertmanager".into(),
                                    };
                                    store::put_timeline_entry(tx, alert_id, &entry)?;
                                }
                                Outcome {
                                    fingerprint,
                                    alert_id: Some(alert_id),
                                    outcome: OutcomeKind::ResolvedRecorded,
                                    notes: Vec::new(),
                                }
                            }
                            None => Outcome {
                                fingerprint,
                                alert_id: None,
                                outcome: OutcomeKind::Ignored,
                                notes: Vec::new(),
                            },
                        }
                    }
                });
            }
            Ok(outcomes)
        })
        .await
        .map_err(Problem::internal)?;
    for o in &outcomes {
        tracing::info!(fingerprint = %o.fingerprint, alert_id = ?o.alert_id, outcome = o.outcome.as_str(), receiver = %notification.receiver, "alertmanager alert");
    }
    Ok(Json(Answer { alerts: outcomes }).into_response())
}

/// A notification's alert, checked and ready for the transaction.
enum Planned {
    Raise {
        fingerprint: String,
        alert: Box<domain::Alert>,
        notes: Vec<String>,
    },
    Resolve {
        fingerprint: String,
        dedup_key: String,
        ends_at: Option<chrono::DateTime<Utc>>,
    },
}
