//! Intake: coordinators raise alerts (by API or from Alertmanager) and read each alert's
//! timeline, which intake projects from every event on the bus; intake also issues the
//! coordinator credentials every service checks.
//!
//! # Layout
//! - [`settings`]: the `[intake]` configuration section.
//! - [`domain`]: alert validation, duplicate and cancel rules, token rules, the Alertmanager
//!   mapping, timeline wording (no I/O).
//! - [`store`]: intake's trees and typed reads and writes; the only file naming a tree.
//! - [`api`]: the HTTP API, one module per resource (alerts, tokens, webhooks), and its OpenAPI
//!   document, generated from the handlers' `#[utoipa::path]` and the types' `ToSchema`.
//! - [`handlers`]: what intake does with consumed events (the timeline projection).
//!
//! This file only wires them together.

pub mod api;
pub mod domain;
pub mod handlers;
pub mod settings;
pub mod store;

pub use settings::{IntakeSettings, Settings};

use chrono::Duration;
use rrm_platform::Service;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub const SERVICE: &str = "intake";

pub async fn run(settings: Settings, stop: CancellationToken) -> anyhow::Result<()> {
    let languages =
        settings::language_list("default_languages", &settings.intake.default_languages)?;
    let supported =
        settings::language_list("supported_languages", &settings.intake.supported_languages)?;
    if let Some(unsupported) = languages.iter().find(|l| !domain::supported(&supported, l)) {
        anyhow::bail!(
            "intake.default_languages: {unsupported} is not in intake.supported_languages"
        );
    }
    let service = Service::open(SERVICE, settings.common, store::TREES)?;
    if let Some(token) = &settings.intake.bootstrap_token {
        api::tokens::bootstrap(&service, token).await?;
    }
    let app = api::App {
        service: service.clone(),
        languages: Arc::new(languages),
        supported: Arc::new(supported),
        deadline_hours: settings.intake.default_deadline_hours,
        dedup_window: Duration::hours(settings.intake.dedup_window_hours),
    };
    let router = api::routes(app);
    service
        .run(router, Arc::new(handlers::Timeline), Vec::new(), stop)
        .await
}

#[cfg(test)]
mod tests;
