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
use uuid::Uuid;

/// What became of one alert of the notification.
#[derive(Debug, Serialize)]
struct Outcome {
    fingerprint: String,
    alert_id: Option<Uuid>,
    /// `raised`, `duplicate`, `resolved_recorded` or `ignored`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

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
                            outcome: if duplicate { "duplicate" } else { "raised" },
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
                                    outcome: "resolved_recorded",
                                    notes: Vec::new(),
                                }
                            }
                            None => Outcome {
                                fingerprint,
                                alert_id: None,
                                outcome: "ignored",
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
        tracing::info!(fingerprint = %o.fingerprint, alert_id = ?o.alert_id, outcome = o.outcome, receiver = %notification.receiver, "alertmanager alert");
    }
    Ok(Json(serde_json::json!({ "alerts": outcomes })).into_response())
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
