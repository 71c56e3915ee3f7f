//! Intake's HTTP API under `/api/v1/`, one module per resource. Every route needs a coordinator
//! token (`Authorization: Bearer`), checked before anything about the request is answered.

pub mod alerts;
pub mod openapi;
pub mod tokens;
pub mod webhooks;

use crate::domain::Budgets;
use axum::Router;
use axum::routing::{get, post};
use chrono::Duration;
use rrm_contracts::LanguageCode;
use rrm_platform::Service;
use std::sync::Arc;

/// What every request handler shares.
#[derive(Clone)]
pub struct App {
    pub service: Service,
    /// Target languages of an alert that names none.
    pub languages: Arc<Vec<LanguageCode>>,
    /// Languages an alert may ask for.
    pub supported: Arc<Vec<LanguageCode>>,
    pub deadline_hours: i64,
    /// How long the same title and regions count as the same event.
    pub dedup_window: Duration,
    /// Each stage's time budget (the pipeline's clock).
    pub budgets: Budgets,
}

/// Every route of the API (the ops routes are the platform's).
pub fn routes(app: App) -> Router {
    Router::new()
        .route("/api/v1/alerts", get(alerts::list).post(alerts::raise))
        .route("/api/v1/alerts/{id}", get(alerts::show))
        .route("/api/v1/alerts/{id}/cancel", post(alerts::cancel))
        .route("/api/v1/alerts/{id}/timeline", get(alerts::show_timeline))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{id}/revoke", post(tokens::revoke_token))
        .route(
            "/api/v1/webhooks/alertmanager",
            post(webhooks::alertmanager),
        )
        .route("/api/v1/openapi.json", get(openapi::document))
        .with_state(app)
}
