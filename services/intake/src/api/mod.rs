//! Intake's HTTP API under `/api/v1/`, one module per resource. Every route but the OpenAPI
//! document needs a coordinator token (`Authorization: Bearer`), checked before anything about
//! the request is answered.
//!
//! Each handler carries its own `#[utoipa::path]`, and [`router`] mounts handlers only through
//! `routes!`: the axum router and the OpenAPI document ([`openapi`]) come from the same
//! declarations, so nothing is routed undocumented or documented unrouted.

pub mod alerts;
pub mod openapi;
pub mod tokens;
pub mod webhooks;

use crate::domain::Budgets;
use axum::Router;
use chrono::Duration;
use rrm_contracts::LanguageCode;
use rrm_platform::Service;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

/// Every route of the API with its documentation (the ops routes are the platform's). Only
/// `routes!` adds a route here: one call per path, naming each handler of that path.
pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::with_openapi(openapi::Info::openapi())
        .routes(routes!(alerts::list, alerts::raise))
        .routes(routes!(alerts::show))
        .routes(routes!(alerts::cancel))
        .routes(routes!(alerts::show_timeline))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(webhooks::alertmanager))
        .routes(routes!(openapi::serve))
}

/// Every route of the API, served.
pub fn routes(app: App) -> Router {
    let (router, _document) = router().split_for_parts();
    router.with_state(app)
}
