//! Roster: the network of eminent persons, and the panels it mobilises. Coordinators manage the
//! members (API, console, `rrm members`, CSV); on `alert.raised` roster scores the roster for
//! the alert, invites the best members across lines and says why; it reminds the silent,
//! invites alternates in place of declines and silences, and forms the panel (`panel.formed`)
//! once enough members from enough lines accepted. Later acceptances co-sign
//! (`panel.cosigner_joined`); a cancelled alert withdraws the invitations.
//!
//! # Layout
//! - [`settings`]: the `[roster]` configuration section.
//! - [`domain`]: members and their values, the CSV, scoring and the balance rule, invitations
//!   (no I/O).
//! - [`store`]: roster's trees, indexes and typed reads and writes; the only file naming a tree.
//! - [`mobilisation`]: each step of mobilising, inside a transaction (invite, answer, remind,
//!   replace, stand down).
//! - [`handlers`]: one module per consumed event (`alert_raised`, `alert_cancelled`).
//! - [`clock`]: the mobilisation clock: the reminder and replacement timers, for the platform's
//!   clock worker.
//! - [`api`]: the HTTP API (members, panels) and its generated OpenAPI document.
//! - [`pages`]: the invitation page members answer on, and roster's console pages.
//!
//! This file only wires them together.

pub mod api;
pub mod clock;
pub mod domain;
pub mod handlers;
pub mod mobilisation;
pub mod pages;
pub mod settings;
pub mod store;

pub use settings::{RosterSettings, Settings};

use chrono::Utc;
use rrm_bus::Store;
use rrm_contracts::EmailAddress;
use rrm_platform::console::Console;
use rrm_platform::mail::{MailWaker, MailWorker, NoHook};
use rrm_platform::{LinkSigner, Pages, Service, Worker};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub const SERVICE: &str = "roster";
const PURPOSE: &str = "respond-invitation";

pub use rrm_platform::clock::Now;

/// Everything roster's handlers, clock, API and pages share.
#[derive(Clone)]
pub struct Roster {
    pub store: Store,
    pub links: LinkSigner,
    pub pages: Arc<Pages>,
    pub console: Console,
    pub public_url: String,
    pub mail_domain: String,
    pub settings: RosterSettings,
    pub vocabulary: Arc<domain::Vocabulary>,
    /// Who is e-mailed when a panel cannot form.
    pub coordinators: Arc<Vec<(String, EmailAddress)>>,
    pub waker: MailWaker,
    pub now: Now,
}

impl axum::extract::FromRef<Roster> for Console {
    fn from_ref(roster: &Roster) -> Self {
        roster.console.clone()
    }
}

impl Roster {
    /// Roster over an opened service.
    pub fn new(service: &Service, settings: RosterSettings, now: Now) -> anyhow::Result<Self> {
        let coordinators = rrm_platform::mail::recipients(
            "roster.coordinators_mail_to",
            &settings.coordinators_mail_to,
            "Coordinators",
        )?;
        anyhow::ensure!(
            settings.invite >= settings.authors_needed && settings.authors_needed >= 1,
            "roster.invite must be at least roster.authors_needed, which must be at least 1"
        );
        anyhow::ensure!(
            settings.min_lines <= settings.authors_needed,
            "roster.min_lines cannot exceed roster.authors_needed (one author stands for one line)"
        );
        Ok(Self {
            store: service.store.clone(),
            links: service.links.clone(),
            pages: Arc::new(pages::templates()?),
            console: Console::new(service),
            public_url: service.public_url(SERVICE),
            mail_domain: service.mail_domain(),
            vocabulary: Arc::new(settings.vocabulary()),
            settings,
            coordinators: Arc::new(coordinators),
            waker: MailWaker::default(),
            now,
        })
    }
}

pub async fn run(settings: Settings, stop: CancellationToken) -> anyhow::Result<()> {
    let service = Service::open(SERVICE, settings.common.clone(), store::TREES)?;
    let roster = Roster::new(&service, settings.roster, Arc::new(Utc::now))?;
    let mailer = MailWorker::new(
        service.store.clone(),
        &service.settings.smtp,
        Arc::new(NoHook),
        &roster.waker,
    )?;
    let clock = roster.clone();
    let workers: Vec<Worker> = vec![
        Box::new(move |stop| Box::pin(mailer.run(stop))),
        Box::new(move |stop| Box::pin(rrm_platform::clock::run(clock, stop))),
    ];
    let router = api::routes(roster.clone()).merge(pages::routes(roster.clone()));
    service.run(router, Arc::new(roster), workers, stop).await
}

/// `rrm-roster import-members FILE`: imports a members CSV into the store of a stopped roster
/// (the store is locked while the service runs). Every row is checked first, as through the API;
/// exit 0 imported, 1 refused (each bad row printed), 2 unusable settings or file.
pub fn import_offline(file: &str) -> std::process::ExitCode {
    use std::process::ExitCode;
    let result =
        (|| -> anyhow::Result<Result<api::members::ImportReport, Vec<domain::csv::RowError>>> {
            let settings: Settings = rrm_platform::config::load()?;
            let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let service = Service::open(SERVICE, settings.common, store::TREES)?;
                let roster = Roster::new(&service, settings.roster, Arc::new(Utc::now))?;
                match api::members::import(&roster, bytes).await {
                    Ok(report) => Ok(Ok(report)),
                    Err(api::members::ImportRefused::Rows(rows)) => Ok(Err(rows)),
                    Err(api::members::ImportRefused::Store(e)) => Err(anyhow::anyhow!(e)),
                }
            })
        })();
    match result {
        Ok(Ok(report)) => {
            println!(
                "imported {} rows from {file}: {} members added, {} updated",
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
            eprintln!("rrm-roster import-members: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests;
