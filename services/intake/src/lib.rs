//! Intake: coordinators raise alerts (`POST /api/v1/alerts`) and read each alert's timeline,
//! which intake projects from every event on the bus.

pub mod domain;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use domain::{Alert, Defaults, NewAlert};
use rrm_bus::{HandleError, Handler, Prepared, Tx, TxResult};
use rrm_contracts::{AlertRaised, CoordinatorTokenIssued, Envelope, Event, LanguageCode};
use rrm_platform::{ApiJson, CommonSettings, Problem, Service, auth};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const SERVICE: &str = "intake";
const ALERTS: &str = "alerts";
const DEDUP: &str = "dedup";
const TIMELINE: &str = "timeline";
const META: &str = "meta";

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
    pub intake: IntakeSettings,
}

impl rrm_platform::service::HasCommon for Settings {
    fn common(&self) -> &CommonSettings {
        &self.common
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct IntakeSettings {
    pub default_languages: Vec<String>,
    pub supported_languages: Vec<String>,
    pub default_deadline_hours: i64,
    pub dedup_window_hours: i64,
    /// The first coordinator's token, from `RRM_INTAKE__BOOTSTRAP_TOKEN`; announced once, by hash.
    #[serde(default)]
    pub bootstrap_token: Option<SecretString>,
}

#[derive(Clone)]
struct App {
    service: Service,
    languages: Arc<Vec<LanguageCode>>,
    supported: Arc<Vec<LanguageCode>>,
    deadline_hours: i64,
    dedup_window: Duration,
}

/// One line of an alert's timeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub event_id: Uuid,
    #[serde(rename = "type")]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub producer: String,
    pub summary: String,
}

fn language_list(setting: &str, list: &[String]) -> anyhow::Result<Vec<LanguageCode>> {
    list.iter()
        .map(|l| LanguageCode::parse(l))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("intake.{setting}: {e}"))
}

pub async fn run(settings: Settings, stop: CancellationToken) -> anyhow::Result<()> {
    let languages = language_list("default_languages", &settings.intake.default_languages)?;
    let supported = language_list("supported_languages", &settings.intake.supported_languages)?;
    if let Some(unsupported) = languages.iter().find(|l| !domain::supported(&supported, l)) {
        anyhow::bail!(
            "intake.default_languages: {unsupported} is not in intake.supported_languages"
        );
    }
    let service = Service::open(SERVICE, settings.common, &[ALERTS, DEDUP, TIMELINE, META])?;
    if let Some(token) = &settings.intake.bootstrap_token {
        bootstrap(&service, token).await?;
    }
    let app = App {
        service: service.clone(),
        languages: Arc::new(languages),
        supported: Arc::new(supported),
        deadline_hours: settings.intake.default_deadline_hours,
        dedup_window: Duration::hours(settings.intake.dedup_window_hours),
    };
    let router = routes(app);
    service
        .run(router, Arc::new(Timeline), Vec::new(), stop)
        .await
}

fn routes(app: App) -> Router {
    Router::new()
        .route("/api/v1/alerts", get(list_alerts).post(raise_alert))
        .route("/api/v1/alerts/{id}", get(show_alert))
        .route("/api/v1/openapi.json", get(openapi))
        .with_state(app)
}

/// Announces the bootstrap coordinator token once (by hash; the token itself never leaves).
async fn bootstrap(service: &Service, token: &SecretString) -> anyhow::Result<()> {
    let token = token.expose_secret();
    if token.len() < 24 {
        anyhow::bail!("intake.bootstrap_token must be at least 24 characters");
    }
    let hash = auth::token_hash(token);
    let marker = format!("bootstrap:{hash}");
    let issued = service
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            if tx.get::<Uuid>(META, &marker)?.is_some() {
                return Ok(false);
            }
            let token_id = Uuid::now_v7();
            let event = Event::CoordinatorTokenIssued(CoordinatorTokenIssued {
                token_id,
                name: "bootstrap coordinator".into(),
                token_sha256: hash.clone(),
                scopes: vec!["admin".into()],
                expires_at: None,
            });
            auth::apply(tx, &event)?;
            tx.emit(&Envelope::new(&event, SERVICE, None, None))?;
            tx.put(META, &marker, &token_id)?;
            Ok(true)
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if issued {
        tracing::info!("bootstrap coordinator token announced");
    }
    Ok(())
}

#[derive(Serialize)]
struct AlertView<'a> {
    #[serde(flatten)]
    alert: &'a Alert,
    /// True when this request repeated an alert already raised.
    duplicate: bool,
    timeline: Vec<TimelineEntry>,
}

async fn raise_alert(
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
    let keys = domain::dedup_keys(&alert);
    let window = app.dedup_window;
    // Durable when this returns: only then is the alert answered 2xx.
    let (stored, duplicate) = app
        .service
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            for key in &keys {
                if let Some(existing_id) = tx.get::<Uuid>(DEDUP, key)?
                    && let Some(existing) = tx.get::<Alert>(ALERTS, existing_id.as_bytes())?
                    && (key.starts_with("key:") || now - existing.raised_at < window)
                {
                    return Ok((existing, true));
                }
            }
            tx.put(ALERTS, alert.alert_id.as_bytes(), &alert)?;
            for key in &keys {
                tx.put(DEDUP, key, &alert.alert_id)?;
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
    // A new alert's events have not been published yet: only a duplicate has a timeline to read.
    let timeline = if duplicate {
        timeline(&app, stored.alert_id).await?
    } else {
        Vec::new()
    };
    let view = AlertView {
        alert: &stored,
        duplicate,
        timeline,
    };
    let location = format!("/api/v1/alerts/{}", stored.alert_id);
    Ok((
        status,
        [(axum::http::header::LOCATION, location)],
        Json(&view),
    )
        .into_response())
}

async fn list_alerts(State(app): State<App>, headers: HeaderMap) -> Result<Response, Problem> {
    auth::authenticate(&app.service.store, &headers, "alerts:read")?;
    let mut alerts = app
        .service
        .store
        .read(|store| {
            store
                .scan::<Alert>(ALERTS, b"")?
                .map(|item| item.map(|(_, alert)| alert))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(Problem::internal)?;
    alerts.reverse(); // UUIDv7 keys: newest first
    Ok(Json(serde_json::json!({ "alerts": alerts })).into_response())
}

async fn show_alert(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    auth::authenticate(&app.service.store, &headers, "alerts:read")?;
    let id =
        Uuid::parse_str(&id).map_err(|_| Problem::bad_request("the alert id is not a UUID"))?;
    let alert: Alert = app
        .service
        .store
        .get(ALERTS, id.as_bytes())
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found("alert"))?;
    let timeline = timeline(&app, id).await?;
    Ok(Json(AlertView {
        alert: &alert,
        duplicate: false,
        timeline,
    })
    .into_response())
}

async fn timeline(app: &App, alert_id: Uuid) -> Result<Vec<TimelineEntry>, Problem> {
    let mut entries = app
        .service
        .store
        .read(move |store| {
            store
                .scan::<TimelineEntry>(TIMELINE, alert_id.as_bytes())?
                .map(|item| item.map(|(_, entry)| entry))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(Problem::internal)?;
    entries.sort_by_key(|e| e.occurred_at);
    Ok(entries)
}

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
}

/// Projects every event carrying an alert id onto that alert's timeline.
struct Timeline;

impl Handler for Timeline {
    fn handle(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        event: &Event,
        _: &Prepared,
    ) -> TxResult<(), HandleError> {
        let Some(alert_id) = envelope.correlation_id else {
            return Ok(());
        };
        let entry = TimelineEntry {
            event_id: envelope.id,
            event_type: envelope.event_type.clone(),
            occurred_at: envelope.occurred_at,
            producer: envelope.producer.clone(),
            summary: describe(event),
        };
        let mut key = alert_id.as_bytes().to_vec();
        key.extend_from_slice(envelope.id.as_bytes());
        tx.put(TIMELINE, key, &entry)?;
        Ok(())
    }
}

fn describe(event: &Event) -> String {
    match event {
        Event::AlertRaised(e) => format!("alert raised by {}: {}", e.raised_by, e.title),
        Event::AlertCancelled(e) => format!("alert cancelled: {}", e.reason),
        Event::PanelMobilized(e) => format!("{} members invited", e.invited.len()),
        Event::MemberResponded(e) => format!(
            "member {} {}",
            e.member_id,
            if e.accepted { "accepted" } else { "declined" }
        ),
        Event::PanelFormed(e) => format!(
            "panel formed: {}",
            e.authors
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Event::DraftVersionCreated(e) => format!("draft version {}", short(&e.version_hash)),
        Event::SignatureRecorded(e) => format!(
            "member {} signed version {}",
            e.member_id,
            short(&e.version_hash)
        ),
        Event::OpedApproved(e) => format!(
            "op-ed approved: {} ({} signatories)",
            e.title,
            e.signatories.len()
        ),
        Event::OpedCorrected(e) => format!("op-ed corrected: {}", e.note),
        Event::OpedWithdrawn(e) => format!("op-ed withdrawn: {}", e.reason),
        Event::TranslationCompleted(e) => format!("translated into {}", e.language),
        Event::DistributionCompleted(e) => {
            format!("{} distributed to {} editors", e.language, e.recipients)
        }
        Event::CoordinatorTokenIssued(_) | Event::CoordinatorTokenRevoked(_) => {
            event.event_type().to_string()
        }
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests;
