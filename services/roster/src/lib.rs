//! Roster: the network of eminent persons. On `alert.raised` it picks a panel balanced across
//! lines and e-mails each member an invitation link; members accept or decline on the link's page
//! (GET shows the ask, POST answers); once enough members from enough lines accepted,
//! `panel.formed`.
//!
//! # Layout
//! - [`settings`]: the `[roster]` configuration section.
//! - [`domain`]: members, panels, invitations, panel balance and the members CSV (no I/O).
//! - [`store`]: roster's trees and typed reads and writes; the only file naming a tree.
//! - [`handlers`]: one module per consumed event (`alert_raised`: mobilise a panel).
//! - [`pages`]: the invitation page members answer on (templates in `src/templates/`).
//!
//! This file only wires them together.

pub mod domain;
pub mod handlers;
pub mod pages;
pub mod settings;
pub mod store;

pub use domain::{Answer, Invitation, Panel};
pub use settings::{RosterSettings, Settings};
pub use store::{import_members, member_by_email};

use rrm_bus::Store;
use rrm_platform::console::Console;
use rrm_platform::mail::{MailWaker, MailWorker, NoHook};
use rrm_platform::{LinkSigner, Pages, Service, Worker};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub const SERVICE: &str = "roster";
const PURPOSE: &str = "respond-invitation";

#[derive(Clone)]
struct Roster {
    store: Store,
    links: LinkSigner,
    pages: Arc<Pages>,
    public_url: String,
    mail_domain: String,
    settings: RosterSettings,
    waker: MailWaker,
}

pub async fn run(settings: Settings, stop: CancellationToken) -> anyhow::Result<()> {
    let service = Service::open(SERVICE, settings.common.clone(), store::TREES)?;
    if !settings.roster.members_csv.is_empty() {
        let count = import_members(&service.store, &settings.roster.members_csv).await?;
        tracing::info!(count, path = %settings.roster.members_csv, "members loaded");
    }
    let waker = MailWaker::default();
    let roster = Roster {
        store: service.store.clone(),
        links: service.links.clone(),
        pages: Arc::new(pages::invitation::pages()?),
        public_url: service.public_url(SERVICE),
        mail_domain: service.mail_domain(),
        settings: settings.roster.clone(),
        waker: waker.clone(),
    };
    let worker = MailWorker::new(
        service.store.clone(),
        &service.settings.smtp,
        Arc::new(NoHook),
        &waker,
    )?;
    let workers: Vec<Worker> = vec![Box::new(move |stop| Box::pin(worker.run(stop)))];
    let router = pages::invitation::routes(roster.clone()).merge(Console::new(&service).shell());
    service.run(router, Arc::new(roster), workers, stop).await
}

#[cfg(test)]
mod tests;
