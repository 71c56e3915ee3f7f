//! Translation: on `oped.approved`, one job per target language, each through its language's
//! policy — `machine` (the providers' translation goes out), `human` (a translator translates,
//! from a machine pre-draft when there is one) or `machine+review` (a translator reviews the
//! machine's). The source language is final as signed. Jobs are offered to translators one at
//! a time by signed link; an offer that expires goes to the next. A language that cannot be
//! delivered — every provider refused, no translator left, the deadline passed — is announced
//! (`translation.failed`), e-mailed to the coordinators and shown in the console, where they
//! retry, switch provider, offer it again or accept another translation. A correction
//! translates the affected languages again and tells their translators what changed; a
//! withdrawal cancels the open jobs. Signatories can read a machine translation translated
//! back into the source language.
//!
//! # Layout
//! - [`settings`]: the `[translation]` configuration section.
//! - [`domain`]: policies, the job's rules, translators, protected terms and Markdown (no I/O).
//! - [`providers`]: the machine-translation providers (LibreTranslate, DeepL), in order of
//!   preference, with retries, breakers and limits.
//! - [`store`]: translation's trees and typed reads and writes; the only file naming a tree.
//! - [`workflow`]: each step of a job, inside a transaction (open, offer, claim, submit,
//!   accept, retry, correct, cancel), with the events and e-mails it causes.
//! - [`machine`]: the worker calling the providers for jobs in the machine stage.
//! - [`clock`]: offers expiring and deadlines, for the platform's clock worker.
//! - [`handlers`]: one module per consumed event (`oped_approved`, `oped_corrected`,
//!   `oped_withdrawn`).
//! - [`mails`]: the e-mails to translators and coordinators.
//! - [`api`]: the HTTP API (translators) and its OpenAPI document.
//! - [`pages`]: the translators' offer page, the signatories' back-translation page, and the
//!   console's pages.
//!
//! This file only wires them together.

pub mod api;
pub mod clock;
pub mod domain;
pub mod handlers;
pub mod machine;
pub mod mails;
pub mod pages;
pub mod providers;
pub mod settings;
pub mod store;
pub mod workflow;

pub use domain::protect;
pub use settings::{PolicySettings, Settings, TranslationSettings};

use chrono::Utc;
use providers::Providers;
use rrm_bus::Store;
use rrm_contracts::EmailAddress;
use rrm_platform::console::Console;
use rrm_platform::mail::{MailWaker, MailWorker, NoHook};
use rrm_platform::{LinkSigner, Pages, Service, Worker};
use std::sync::Arc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub use rrm_platform::clock::Now;

pub const SERVICE: &str = "translation";
/// The purpose of a translator's offer link.
pub const OFFER: &str = "translation-offer";
/// The purpose of a signatory's link to the back-translations (drafting signs it).
pub const CHECK: &str = rrm_contracts::links::CHECK_TRANSLATIONS;

/// Everything translation's handlers, workers, API and pages share.
#[derive(Clone)]
pub struct Translation {
    pub store: Store,
    pub providers: Arc<Providers>,
    pub links: LinkSigner,
    pub pages: Arc<Pages>,
    pub console: Console,
    pub public_url: String,
    pub mail_domain: String,
    pub settings: Arc<TranslationSettings>,
    /// Who is e-mailed when a language cannot be delivered.
    pub coordinators: Arc<Vec<(String, EmailAddress)>>,
    /// Wakes the mail worker.
    pub waker: MailWaker,
    /// Wakes the machine worker.
    pub machine: Arc<Notify>,
    pub now: Now,
}

impl axum::extract::FromRef<Translation> for Console {
    fn from_ref(t: &Translation) -> Self {
        t.console.clone()
    }
}

impl Translation {
    /// Translation over an opened service.
    pub fn new(service: &Service, settings: TranslationSettings, now: Now) -> anyhow::Result<Self> {
        let providers = settings.providers()?;
        for language in settings.policy.languages.keys() {
            rrm_contracts::LanguageCode::parse(language).map_err(|e| {
                anyhow::anyhow!("translation.policy.languages: {language:?} is not a language: {e}")
            })?;
        }
        tracing::info!(providers = ?providers.names(), "translation providers");
        let coordinators = rrm_platform::mail::recipients(
            "translation.coordinators_mail_to",
            &settings.coordinators_mail_to,
            "Coordinators",
        )?;
        Ok(Self {
            store: service.store.clone(),
            providers: Arc::new(providers),
            links: service.links.clone(),
            pages: Arc::new(pages::templates()?),
            console: Console::new(service),
            public_url: service.public_url(SERVICE),
            mail_domain: service.mail_domain(),
            settings: Arc::new(settings),
            coordinators: Arc::new(coordinators),
            waker: MailWaker::default(),
            machine: Arc::new(Notify::new()),
            now,
        })
    }

    /// How long a job may take from its start (or a coordinator's retry).
    pub fn budget(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.budget).unwrap_or(chrono::Duration::hours(2))
    }

    /// The longest a request to the providers may take (a back-translation waits that long).
    pub fn providers_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.settings.request_timeout_ms.saturating_mul(2))
    }

    /// How long a translator has to claim an offer.
    pub fn offer_ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.offer_ttl).unwrap_or(chrono::Duration::minutes(20))
    }
}

pub async fn run(settings: Settings, stop: CancellationToken) -> anyhow::Result<()> {
    let service = Service::open(SERVICE, settings.common.clone(), store::TREES)?;
    let translation = Translation::new(&service, settings.translation, Arc::new(Utc::now))?;
    let mailer = MailWorker::new(
        service.store.clone(),
        &service.settings.smtp,
        Arc::new(NoHook),
        &translation.waker,
    )?;
    let clock = translation.clone();
    let machine = translation.clone();
    let workers: Vec<Worker> = vec![
        Box::new(move |stop| Box::pin(mailer.run(stop))),
        Box::new(move |stop| Box::pin(rrm_platform::clock::run(clock, stop))),
        Box::new(move |stop| Box::pin(machine::run(machine, stop))),
    ];
    let router = api::routes(translation.clone()).merge(pages::routes(translation.clone()));
    service
        .run(router, Arc::new(translation), workers, stop)
        .await
}

/// `rrm-translation import-translators FILE`: imports a translators CSV into the store of a
/// stopped translation service (the store is locked while it runs). Every row is checked first,
/// as through the API; exit 0 imported, 1 refused (each bad row printed), 2 unusable settings
/// or file.
pub fn import_offline(file: &str) -> std::process::ExitCode {
    use std::process::ExitCode;
    let result = (|| -> anyhow::Result<
        Result<api::translators::ImportReport, Vec<domain::csv::RowError>>,
    > {
        let settings: Settings = rrm_platform::config::load()?;
        let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let service = Service::open(SERVICE, settings.common, store::TREES)?;
            let translation = Translation::new(&service, settings.translation, Arc::new(Utc::now))?;
            match api::translators::import(&translation, bytes).await {
                Ok(report) => Ok(Ok(report)),
                Err(api::translators::ImportRefused::Rows(rows)) => Ok(Err(rows)),
                Err(api::translators::ImportRefused::Store(e)) => Err(anyhow::anyhow!(e)),
            }
        })
    })();
    match result {
        Ok(Ok(report)) => {
            println!(
                "imported {} rows from {file}: {} translators added, {} updated",
                report.rows, report.created, report.updated
            );
            ExitCode::SUCCESS
        }
        Ok(Err(rows)) => {
            eprintln!("nothing was imported from {file}:");
            for row in rows {
                eprintln!("  line {}, {}: {}", row.row, row.field, row.message);
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("rrm-translation import-translators: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests;
