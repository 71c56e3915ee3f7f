//! The API as coordinators use it, in process (the router answering `oneshot` requests on a
//! store in a temporary directory; no broker).

use crate::api::{self, App};
use crate::{SERVICE, Settings, store};
use axum::body::Body;
use axum::http::Request;
use chrono::Duration;
use rrm_contracts::{Envelope, LanguageCode};
use rrm_platform::Service;
use secrecy::SecretString;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

mod alerts;
mod cancel;
mod clock;
mod console;
mod pages;
mod tokens;
mod webhook;

/// The bootstrap coordinator's token (scope `admin`).
pub const TOKEN: &str = "coordinator-token-for-tests-0123456789";

pub async fn app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    std::fs::copy(config.join("default.toml"), dir.path().join("default.toml")).unwrap();
    let data = dir.path().join("data");
    std::fs::write(
        dir.path().join("test.toml"),
        format!(
            "[links]\nsecret = \"0123456789abcdef0123456789abcdef\"\n[storage]\ndata_dir = {:?}\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    let app = open(dir.path()).await;
    // Announced once: a restart with the same token issues nothing new.
    api::tokens::bootstrap(&app.service, &SecretString::from(TOKEN.to_owned()))
        .await
        .unwrap();
    assert_eq!(app.service.store.outbox_len(), 1);
    (dir, app)
}

/// Intake as it starts on the configuration and data in `dir` (made by [`app`]): what a
/// restart finds.
pub async fn open(dir: &std::path::Path) -> App {
    let settings: Settings = rrm_platform::config::load_from(dir, "test").unwrap();
    let service = Service::open(SERVICE, settings.common, store::TREES).unwrap();
    api::tokens::bootstrap(&service, &SecretString::from(TOKEN.to_owned()))
        .await
        .unwrap();
    App {
        service,
        languages: Arc::new(vec![
            LanguageCode::parse("en").unwrap(),
            LanguageCode::parse("ar").unwrap(),
        ]),
        supported: Arc::new(
            ["ar", "en", "fr"]
                .iter()
                .map(|l| LanguageCode::parse(l).unwrap())
                .collect(),
        ),
        deadline_hours: 6,
        dedup_window: Duration::hours(24),
        budgets: Default::default(),
    }
}

/// One request through the whole router: status, content type and the JSON body (`Null` when
/// the body is not JSON).
pub async fn call(
    app: &App,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_owned()));
    let response = api::routes(app.clone())
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        content_type,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Applies a coordinator credential event to intake's credentials, as the platform does with
/// the `coordinator.token_*` events it consumes.
pub async fn apply_credential(app: &App, event: rrm_contracts::Event) {
    app.service
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            Ok(rrm_platform::auth::apply(tx, &event)?)
        })
        .await
        .unwrap();
}

/// `GET /api/v1/alerts/{id}` as the bootstrap coordinator: the alert as intake shows it.
pub async fn show(app: &App, id: &str) -> Value {
    let (status, _, alert) = call(
        app,
        "GET",
        &format!("/api/v1/alerts/{id}"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(status, 200, "{alert}");
    alert
}

/// One field (`"type"`, `"summary"`…) of every line of an alert's `timeline`, in order.
pub fn timeline_field<'a>(timeline: &'a Value, field: &str) -> Vec<&'a str> {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[field].as_str().unwrap())
        .collect()
}

/// Puts `envelope` through intake's own handler, as the broker would deliver it (the relay and
/// the bus are not running in these tests).
pub async fn deliver(app: &App, envelope: &Envelope) {
    let handler: Arc<dyn rrm_bus::Handler> = Arc::new(crate::handlers::Projections {
        budgets: Default::default(),
    });
    rrm_bus::consumer::process(&app.service.store, &handler, &envelope.to_bytes())
        .await
        .unwrap();
}

/// `POST /api/v1/alerts` with `body`.
pub async fn post(app: &App, token: Option<&str>, body: &str) -> (u16, String, Value) {
    call(app, "POST", "/api/v1/alerts", token, Some(body)).await
}
/// The events waiting in the outbox, oldest first.
pub fn outbox(app: &App) -> Vec<Envelope> {
    app.service
        .store
        .outbox_batch(1000)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect()
}

/// The outbox's events of type `event_type`.
pub fn emitted(app: &App, event_type: &str) -> Vec<Envelope> {
    outbox(app)
        .into_iter()
        .filter(|e| e.event_type == event_type)
        .collect()
}

/// A coordinator token with `scopes`, issued straight into the store (as the platform applies a
/// `coordinator.token_issued` event), for tests that are not about issuing tokens.
pub async fn issued(app: &App, scopes: &[&str]) -> String {
    let token = format!("test-token-{}", uuid::Uuid::now_v7().simple());
    let event =
        rrm_contracts::Event::CoordinatorTokenIssued(rrm_contracts::CoordinatorTokenIssued {
            token_id: uuid::Uuid::now_v7(),
            name: "test desk".into(),
            token_sha256: rrm_platform::auth::token_hash(&token),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_at: None,
        });
    apply_credential(app, event).await;
    token
}
