//! `/api/v1/alerts`: raise an alert (or get the one already raised for the same event), list
//! alerts, show one with its timeline.

use super::App;
use crate::SERVICE;
use crate::domain::{
    self, Alert, AlertStatus, Budgets, CancelAlert, CancelError, Defaults, ListFilter, NewAlert,
    Pipeline, Stage, StageView, TimelineEntry,
};
use crate::store;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rrm_bus::{Store, StoreError, Tx, TxResult};
use rrm_contracts::{AlertCancelled, AlertRaised, Envelope, Event};
use rrm_platform::{ApiJson, FieldProblem, Problem, auth};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use uuid::Uuid;

/// An alert with its timeline: the answer of raising, showing and cancelling. Its schema,
/// `Alert`, is the stored alert's with `duplicate` and `timeline` added.
#[derive(Serialize)]
pub struct AlertView<'a> {
    #[serde(flatten)]
    pub alert: &'a Alert,
    #[serde(flatten)]
    pub progress: Progress,
    /// True when this request repeated an alert already raised.
    pub duplicate: bool,
    pub stages: Vec<StageView>,
    pub timeline: Vec<TimelineEntry>,
}

/// Where an alert's pipeline stands, as listings show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Progress {
    /// The furthest stage reached.
    pub stage: Stage,
    /// A stage runs past its due time.
    pub overdue: bool,
    /// Every language reached its editors.
    pub completed: bool,
}

impl Progress {
    pub fn of(pipeline: Option<&Pipeline>, now: DateTime<Utc>) -> Self {
        Self {
            stage: pipeline.map_or(Stage::Mobilisation, Pipeline::reached),
            overdue: pipeline.is_some_and(|p| p.overdue(now)),
            completed: pipeline.is_some_and(Pipeline::finished),
        }
    }
}

/// An alert in a listing: the alert and where its pipeline stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertSummary {
    #[serde(flatten)]
    pub alert: Alert,
    #[serde(flatten)]
    pub progress: Progress,
}

impl PartialSchema for AlertView<'_> {
    fn schema() -> RefOr<Schema> {
        // One flat object (rather than an `allOf`), so its `required` list names every field.
        let mut object = match <Alert as PartialSchema>::schema() {
            RefOr::T(Schema::Object(object)) => object,
            _ => Object::new(),
        };
        object.description = Some(
            "An alert with its timeline, as raising, showing and cancelling answer it.".into(),
        );
        object.properties.insert(
            "duplicate".into(),
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .description(Some(
                    "True when this request repeated an alert already raised (always false \
                     when showing or cancelling).",
                ))
                .into(),
        );
        object.properties.insert(
            "timeline".into(),
            ArrayBuilder::new()
                .items(Ref::from_schema_name(TimelineEntry::name()))
                .description(Some(
                    "Oldest first; empty in the answer that raised the alert (its events are \
                     not published yet).",
                ))
                .into(),
        );
        if let RefOr::T(Schema::Object(progress)) = <Progress as PartialSchema>::schema() {
            object.properties.extend(progress.properties);
            object.required.extend(progress.required);
        }
        object.properties.insert(
            "stages".into(),
            ArrayBuilder::new()
                .items(Ref::from_schema_name(StageView::name()))
                .description(Some(
                    "The pipeline's five stages in order: mobilisation, drafting, signatures, \
                     translation, distribution.",
                ))
                .into(),
        );
        object
            .required
            .extend(["duplicate".into(), "stages".into(), "timeline".into()]);
        RefOr::T(Schema::Object(object))
    }
}

impl ToSchema for AlertView<'_> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Alert")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <Alert as ToSchema>::schemas(schemas);
        schemas.push((TimelineEntry::name().into(), TimelineEntry::schema()));
        <TimelineEntry as ToSchema>::schemas(schemas);
        schemas.push((StageView::name().into(), StageView::schema()));
        <StageView as ToSchema>::schemas(schemas);
    }
}

/// One page of a listing.
#[derive(Serialize, ToSchema)]
pub struct AlertPage {
    /// Newest first.
    pub alerts: Vec<AlertSummary>,
    /// The `cursor` of the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// An alert's timeline alone.
#[derive(Serialize, ToSchema)]
pub struct Timeline {
    /// Oldest first.
    pub timeline: Vec<TimelineEntry>,
}

#[utoipa::path(
    post,
    path = "/api/v1/alerts",
    tag = "alerts",
    operation_id = "raise_alert",
    summary = "Raise an alert (or get the existing one for the same event)",
    description = "Scope alerts:write. A repeat of an open alert (the same `dedup_key`, or the same \
                   title and regions within the deduplication window) returns that alert with 200 \
                   and `duplicate: true`; a cancelled alert is never repeated.",
    request_body(content = NewAlert, content_type = "application/json"),
    responses(
        (status = 201, description = "Raised", body = AlertView,
            headers(("Location" = String, description = "The alert's URL"))),
        (status = 200, description = "A duplicate of an alert raised earlier; that alert is returned",
            body = AlertView, headers(("Location" = String, description = "The alert's URL"))),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks alerts:write", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (field by field), unknown fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["alerts:write"]))
)]

pub async fn raise(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<ApiJson<NewAlert>, Problem>,
) -> Result<Response, Problem> {
    // Who asks comes first: without a valid token, nothing about the body is answered.
    let coordinator = auth::authenticate(&app.service.store, &headers, "alerts:write")?;
    let ApiJson(input) = body?;
    let now = Utc::now();
    let defaults = Defaults {
        languages: &app.languages,
        supported: &app.supported,
        deadline_hours: app.deadline_hours,
    };
    let alert = domain::validate(input, &defaults, &coordinator.name, now)
        .map_err(Problem::invalid_fields)?;
    let (window, budgets) = (app.dedup_window, app.budgets);
    // Durable when this returns: only then is the alert answered 2xx.
    let (stored, duplicate) = app
        .service
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            Ok(raise_in(tx, alert, now, window, &budgets)?)
        })
        .await
        .map_err(Problem::internal)?;
    let span = tracing::info_span!("alert", correlation_id = %stored.alert_id);
    span.in_scope(|| tracing::info!(duplicate, "alert raised"));
    let status = if duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    // A new alert's events have not been published yet: its timeline is empty.
    let (stored, pipeline, timeline) = shown(&app, stored.alert_id).await?;
    let view = AlertView::new(&stored, pipeline.as_ref(), duplicate, timeline);
    let location = format!("/api/v1/alerts/{}", stored.alert_id);
    Ok((
        status,
        [(axum::http::header::LOCATION, location)],
        Json(&view),
    )
        .into_response())
}

impl<'a> AlertView<'a> {
    pub fn new(
        alert: &'a Alert,
        pipeline: Option<&Pipeline>,
        duplicate: bool,
        timeline: Vec<TimelineEntry>,
    ) -> Self {
        let now = Utc::now();
        Self {
            alert,
            progress: Progress::of(pipeline, now),
            duplicate,
            stages: pipeline.map(|p| p.view(now)).unwrap_or_default(),
            timeline,
        }
    }
}

/// Stores `alert`, starts its pipeline's clock and emits `alert.raised` — unless an open alert
/// for the same event exists, which is returned instead, with `true`.
pub(crate) fn raise_in(
    tx: &Tx<'_>,
    alert: Alert,
    now: DateTime<Utc>,
    window: Duration,
    budgets: &Budgets,
) -> Result<(Alert, bool), StoreError> {
    let keys = domain::dedup_keys(&alert);
    for key in &keys {
        if let Some(existing_id) = store::dedup(tx, key)?
            && let Some(existing) = store::alert_in(tx, existing_id)?
            && domain::repeats(&existing, key, now, window)
        {
            return Ok((existing, true));
        }
    }
    store::put_alert(tx, &alert)?;
    let pipeline = Pipeline::start(
        alert.alert_id,
        alert.languages.clone(),
        alert.deadline,
        alert.raised_at,
        budgets,
    );
    store::put_pipeline(tx, None, &pipeline)?;
    for key in &keys {
        store::put_dedup(tx, key, alert.alert_id)?;
    }
    let event = Event::AlertRaised(AlertRaised {
        alert_id: alert.alert_id,
        title: alert.title.clone(),
        summary: alert.summary.clone(),
        regions: alert.regions.clone(),
        topics: alert.topics.clone(),
        severity: alert.severity,
        languages: alert.languages.clone(),
        deadline: alert.deadline,
        raised_by: alert.raised_by.clone(),
    });
    tx.emit(&Envelope::new(&event, SERVICE, Some(alert.alert_id), None))?;
    Ok((alert, false))
}

/// `GET /api/v1/alerts` query: all optional; anything else is refused. Each field is read as
/// text and checked by `list`, so that every bad one is named; `#[param]` says what it must be,
/// and is what the OpenAPI document shows.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many alerts a page holds.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200, default = 50)]
    limit: Option<String>,
    /// `next_cursor` of the previous page (opaque).
    #[param(value_type = Option<String>)]
    cursor: Option<String>,
    /// Only alerts with this status.
    #[param(value_type = Option<AlertStatus>, inline)]
    status: Option<String>,
    /// Only alerts raised at or after this time (RFC 3339, e.g. 2026-11-23T09:00:00Z).
    #[param(value_type = Option<DateTime<Utc>>)]
    since: Option<String>,
    /// Only alerts with a stage past its due time (true), or none (false).
    #[param(value_type = Option<bool>)]
    overdue: Option<String>,
}

/// Most alerts one page holds, and how many when the caller does not say.
const MAX_LIMIT: usize = 200;
const DEFAULT_LIMIT: usize = 50;

/// A page cursor: the last alert id of the previous page, URL-safe base64, opaque to callers.
pub(crate) fn cursor(id: Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.as_bytes())
}

pub(crate) fn parse_cursor(raw: &str) -> Option<Uuid> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()?;
    Uuid::from_slice(&bytes).ok()
}

/// `GET /api/v1/alerts?limit=&cursor=&status=&since=`: newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/alerts",
    tag = "alerts",
    operation_id = "list_alerts",
    summary = "List alerts, newest first, a page at a time (scope alerts:read)",
    params(ListQuery),
    responses(
        (status = 200, description = "A page", body = AlertPage),
        (status = 400, description = "A bad limit, cursor, status or since (field by field), or an unknown parameter",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks alerts:read", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["alerts:read"]))
)]
pub async fn list(
    State(app): State<App>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    auth::authenticate(&app.service.store, &headers, "alerts:read")?;
    let Query(query) = query.map_err(|e| Problem::bad_request(e.body_text()))?;
    let mut errors = Vec::new();
    let mut problem = |field: &str, message: &str| {
        errors.push(FieldProblem {
            field: field.into(),
            message: message.into(),
        })
    };
    let limit = match query.limit.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            problem("limit", "must be a whole number from 1 to 200");
            DEFAULT_LIMIT
        }
    };
    // Each optional parameter: absent is `None`; present but unreadable is a field problem.
    fn optional<T>(
        problem: &mut impl FnMut(&str, &str),
        field: &str,
        raw: Option<&str>,
        parsed: Option<T>,
        message: &str,
    ) -> Option<T> {
        if raw.is_some() && parsed.is_none() {
            problem(field, message);
        }
        parsed
    }
    let after = query.cursor.as_deref();
    let before = optional(
        &mut problem,
        "cursor",
        after,
        after.and_then(parse_cursor),
        "is not a cursor from a previous page",
    );
    let status = query.status.as_deref();
    let status = optional(
        &mut problem,
        "status",
        status,
        status.and_then(AlertStatus::parse),
        "must be open or cancelled",
    );
    let since = query.since.as_deref();
    let since = optional(
        &mut problem,
        "since",
        since,
        since
            .and_then(|raw| DateTime::parse_from_rfc3339(raw).ok())
            .map(|t| t.with_timezone(&Utc)),
        "must be an RFC 3339 time, e.g. 2026-11-23T09:00:00Z",
    );
    let overdue = query.overdue.as_deref();
    let overdue = optional(
        &mut problem,
        "overdue",
        overdue,
        overdue.and_then(|raw| raw.parse::<bool>().ok()),
        "must be true or false",
    );
    if !errors.is_empty() {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Problem {
            errors,
            ..Problem::bad_request(detail)
        });
    }
    let filter = ListFilter { status, since };
    // One more than the page: whether it exists says whether there is a next page.
    let mut alerts = app
        .service
        .store
        .read(move |s| summaries(s, before, limit + 1, filter, overdue, Utc::now()))
        .await
        .map_err(Problem::internal)?;
    let next_cursor = if alerts.len() > limit {
        alerts.truncate(limit);
        alerts.last().map(|a| cursor(a.alert.alert_id))
    } else {
        None
    };
    Ok(Json(AlertPage {
        alerts,
        next_cursor,
    })
    .into_response())
}

/// Up to `want` alerts raised before `before`, newest first, that `filter` takes and whose
/// pipeline is overdue or not as `overdue` asks, each with its progress. Blocking: call it
/// inside [`Store::read`].
pub fn summaries(
    s: &Store,
    before: Option<Uuid>,
    want: usize,
    filter: ListFilter,
    overdue: Option<bool>,
    now: DateTime<Utc>,
) -> Result<Vec<AlertSummary>, StoreError> {
    let progress =
        |a: &Alert| store::pipeline(s, a.alert_id).map(|p| Progress::of(p.as_ref(), now));
    let alerts = store::alerts_page(s, before, want, |a| match filter.verdict(a) {
        domain::Verdict::Take => match overdue {
            Some(wanted) => match progress(a) {
                Ok(p) if p.overdue != wanted => domain::Verdict::Skip,
                _ => domain::Verdict::Take,
            },
            None => domain::Verdict::Take,
        },
        other => other,
    })?;
    alerts
        .into_iter()
        .map(|alert| {
            Ok(AlertSummary {
                progress: progress(&alert)?,
                alert,
            })
        })
        .collect()
}

/// `GET /api/v1/alerts/{id}/timeline`: the alert's timeline alone, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/alerts/{id}/timeline",
    tag = "alerts",
    operation_id = "show_alert_timeline",
    summary = "An alert's timeline, oldest first (scope alerts:read)",
    params(("id" = Uuid, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "The timeline", body = Timeline),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks alerts:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such alert", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["alerts:read"]))
)]
pub async fn show_timeline(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    auth::authenticate(&app.service.store, &headers, "alerts:read")?;
    let (_, _, timeline) = shown(&app, alert_id(&id)?).await?;
    Ok(Json(Timeline { timeline }).into_response())
}

/// `GET /api/v1/alerts/{id}`: the alert with its timeline.
#[utoipa::path(
    get,
    path = "/api/v1/alerts/{id}",
    tag = "alerts",
    operation_id = "show_alert",
    summary = "An alert with its timeline (scope alerts:read)",
    params(("id" = Uuid, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "The alert", body = AlertView),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks alerts:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such alert", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["alerts:read"]))
)]
pub async fn show(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    auth::authenticate(&app.service.store, &headers, "alerts:read")?;
    let (alert, pipeline, timeline) = shown(&app, alert_id(&id)?).await?;
    Ok(Json(AlertView::new(&alert, pipeline.as_ref(), false, timeline)).into_response())
}

/// `POST /api/v1/alerts/{id}/cancel`: the alert is cancelled for good (`alert.cancelled` tells
/// the other services); events still arriving for it go on its timeline without reopening it.
#[utoipa::path(
    post,
    path = "/api/v1/alerts/{id}/cancel",
    tag = "alerts",
    operation_id = "cancel_alert",
    summary = "Cancel an alert for good (scope alerts:write)",
    description = "Emits alert.cancelled. Later events still reach its timeline but never reopen it.",
    params(("id" = Uuid, Path, description = "The alert's id")),
    request_body(content = CancelAlert, content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled; the alert", body = AlertView),
        (status = 400, description = "The id is not a UUID, or the body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks alerts:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such alert", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing, empty or oversized reason; unknown fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["alerts:write"]))
)]
pub async fn cancel(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<ApiJson<CancelAlert>, Problem>,
) -> Result<Response, Problem> {
    let coordinator = auth::authenticate(&app.service.store, &headers, "alerts:write")?;
    let id = alert_id(&id)?;
    let ApiJson(input) = body?;
    let reason = domain::cancel_reason(input).map_err(Problem::invalid_fields)?;
    let now = Utc::now();
    let by = coordinator.name.clone();
    app.service
        .store
        .transact(move |tx| cancel_in(tx, id, reason, &by, now))
        .await
        .map_err(|e| match e {
            rrm_bus::TxError::Abort(None) => Problem::not_found("alert"),
            rrm_bus::TxError::Abort(Some(e @ CancelError::AlreadyCancelled)) => {
                Problem::new(StatusCode::CONFLICT, "Already cancelled", e.to_string())
            }
            rrm_bus::TxError::Storage(e) => Problem::internal(e),
        })?;
    let span = tracing::info_span!("alert", correlation_id = %id);
    span.in_scope(|| tracing::info!("alert cancelled"));
    let (cancelled, pipeline, timeline) = shown(&app, id).await?;
    Ok(Json(AlertView::new(
        &cancelled,
        pipeline.as_ref(),
        false,
        timeline,
    ))
    .into_response())
}

/// Cancels alert `id` for `reason`, stops its clock and emits `alert.cancelled`. Aborts with
/// `None` when there is no such alert.
pub fn cancel_in(
    tx: &Tx<'_>,
    id: Uuid,
    reason: String,
    by: &str,
    now: DateTime<Utc>,
) -> TxResult<Alert, Option<CancelError>> {
    let Some(alert) = store::alert_in(tx, id)? else {
        return Err(rrm_bus::abort(None));
    };
    let cancelled =
        domain::cancel(alert, reason.clone(), by, now).map_err(|e| rrm_bus::abort(Some(e)))?;
    store::put_alert(tx, &cancelled)?;
    if let Some(before) = store::pipeline_in(tx, id)? {
        let mut pipeline = before.clone();
        pipeline.cancelled_at = Some(now);
        store::put_pipeline(tx, Some(&before), &pipeline)?;
    }
    let event = Event::AlertCancelled(AlertCancelled {
        alert_id: id,
        reason,
    });
    tx.emit(&Envelope::new(&event, SERVICE, Some(id), None))?;
    Ok(cancelled)
}

/// An alert id from the path.
pub fn alert_id(raw: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(raw).map_err(|_| Problem::bad_request("the alert id is not a UUID"))
}

/// Alert `id` with its pipeline and timeline (see [`store::alert_shown`]); 404 when unknown.
async fn shown(app: &App, id: Uuid) -> Result<store::Shown, Problem> {
    app.service
        .store
        .read(move |s| store::alert_shown(s, id))
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found("alert"))
}
