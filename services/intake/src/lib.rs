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
//! - [`pages`]: the coordinator console's pages (alerts, raising, one alert's stages and
//!   timeline, tokens), behind the platform's console session.
//! - [`handlers`]: what intake does with consumed events (the timeline and the stages).
//! - [`clock`]: the pipeline's clock, firing the stage timers the store keeps.
//!
//! This file only wires them together.

pub mod api;
pub mod clock;
pub mod domain;
pub mod handlers;
pub mod pages;
pub mod settings;
pub mod store;

pub use settings::{IntakeSettings, Settings};

use chrono::{Duration, Utc};
use rrm_platform::Service;
use rrm_platform::Worker;
use rrm_platform::mail::{MailWaker, MailWorker, NoHook};
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
    let budgets = settings.intake.budgets.budgets()?;
    let recipients = rrm_platform::mail::recipients(
        "intake.overdue_mail_to",
        &settings.intake.overdue_mail_to,
        "Coordinators",
    )?;
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
        budgets,
    };
    let router = api::routes(app.clone()).merge(pages::routes(app)?);
    let mail = MailWaker::default();
    let mailer = MailWorker::new(
        service.store.clone(),
        &service.settings.smtp,
        Arc::new(NoHook),
        &mail,
    )?;
    let clock = clock::Clock {
        store: service.store.clone(),
        now: Arc::new(Utc::now),
        tick: settings.intake.clock_tick,
        recipients: Arc::new(recipients),
        mail_domain: service.mail_domain(),
        public_url: service.public_url(SERVICE),
        pages: Arc::new(clock::mail_pages()?),
        mail,
    };
    let workers: Vec<Worker> = vec![
        Box::new(move |stop| Box::pin(mailer.run(stop))),
        Box::new(move |stop| Box::pin(rrm_platform::clock::run(clock, stop))),
    ];
    let handler = Arc::new(handlers::Projections { budgets });
    service.run(router, handler, workers, stop).await
}

#[cfg(test)]
mod tests;
