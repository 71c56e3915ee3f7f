//! Drafting: on `panel.formed` each author gets a link to the shared draft page. Every save is an
//! immutable version identified by the SHA-256 of its canonical text; a save based on a version
//! that is no longer the latest is refused with what changed. Submitting a version opens a
//! signing round: each signatory gets a link bound to that hash and round, whose page shows the
//! full text and hash and lets them co-sign, ask for changes, or withdraw their signature. A
//! newer version voids every signature (signatories are told what changed). When every author
//! signed (and the coordinator signed off, where required): `oped.approved` with a signature
//! manifest signed by drafting's Ed25519 key. Coordinators correct or withdraw an approved op-ed
//! from the console. Every step is in the draft's hash-chained audit log.
//!
//! # Layout
//! - [`settings`]: the `[drafting]` configuration section.
//! - [`domain`]: texts and their hash, drafts and their rules, the word diff, the manifest and
//!   its key, the audit chain (no I/O).
//! - [`store`]: drafting's trees and typed reads and writes; the only file naming a tree.
//! - [`key_file`]: the manifest signing key's file (read, or created at first start).
//! - [`workflow`]: each step inside one transaction (save, submit, sign, withdraw, request
//!   changes, sign off, approve, correct, withdraw the op-ed, remind).
//! - [`mails`]: what signatories are e-mailed at each step.
//! - [`handlers`]: one module per consumed event (`panel_formed`, `cosigner_joined`,
//!   `stage_overdue`).
//! - [`clock`]: the signature reminders, for the platform's clock worker.
//! - [`api`]: the published manifests and key, and the audit log as JSON.
//! - [`pages`]: the draft and signing pages authors reach by link, and drafting's console.
//!
//! This file only wires them together.

pub mod api;
pub mod clock;
pub mod domain;
pub mod handlers;
pub mod key_file;
pub mod mails;
pub mod pages;
pub mod settings;
pub mod store;
pub mod workflow;

pub use settings::{DraftingSettings, Settings};

use chrono::Utc;
use domain::manifest::ManifestKey;
use rrm_bus::{HandleError, Store, TxError, abort};
use rrm_contracts::LanguageCode;
use rrm_platform::clock::Now;
use rrm_platform::console::Console;
use rrm_platform::mail::{MailWaker, MailWorker, NoHook};
use rrm_platform::{LinkSigner, Pages, Service, Worker};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub const SERVICE: &str = "drafting";
/// Purposes of the two links authors get.
const EDIT: &str = "edit-draft";
const SIGN: &str = "sign-version";

/// What the handlers, clock, pages and console share.
#[derive(Clone)]
pub struct Drafting {
    store: Store,
    links: LinkSigner,
    pages: Arc<Pages>,
    console: Console,
    public_url: String,
    /// Translation's public URL: signatories' links to the back-translations lead there.
    translation_url: String,
    mail_domain: String,
    source_language: LanguageCode,
    settings: DraftingSettings,
    key: Arc<ManifestKey>,
    waker: MailWaker,
    now: Now,
}

impl axum::extract::FromRef<Drafting> for Console {
    fn from_ref(drafting: &Drafting) -> Self {
        drafting.console.clone()
    }
}

impl Drafting {
    /// Drafting over an opened service, signing manifests with `key`.
    pub fn new(
        service: &Service,
        settings: DraftingSettings,
        key: ManifestKey,
        now: Now,
    ) -> anyhow::Result<Self> {
        let source_language = LanguageCode::parse(&settings.source_language)
            .map_err(|e| anyhow::anyhow!("drafting.source_language: {e}"))?;
        Ok(Self {
            store: service.store.clone(),
            links: service.links.clone(),
            pages: Arc::new(pages::pages()?),
            console: Console::new(service),
            public_url: service.public_url(SERVICE),
            translation_url: service.public_url("translation"),
            mail_domain: service.mail_domain(),
            source_language,
            settings,
            key: Arc::new(key),
            waker: MailWaker::default(),
            now,
        })
    }
}

pub async fn run(settings: Settings, stop: CancellationToken) -> anyhow::Result<()> {
    let key_file = settings
        .drafting
        .manifest_key_file
        .clone()
        .unwrap_or_else(|| {
            settings
                .common
                .storage
                .data_dir
                .join(SERVICE)
                .join("manifest-key.pem")
        });
    let key = key_file::load_or_create(&key_file)?;
    let service = Service::open(SERVICE, settings.common.clone(), store::TREES)?;
    let drafting = Drafting::new(&service, settings.drafting, key, Arc::new(Utc::now))?;
    let mailer = MailWorker::new(
        service.store.clone(),
        &service.settings.smtp,
        Arc::new(NoHook),
        &drafting.waker,
    )?;
    let clock = drafting.clone();
    let workers: Vec<Worker> = vec![
        Box::new(move |stop| Box::pin(mailer.run(stop))),
        Box::new(move |stop| Box::pin(rrm_platform::clock::run(clock, stop))),
    ];
    let router = pages::routes(drafting.clone()).merge(api::routes(drafting.clone()));
    service.run(router, Arc::new(drafting), workers, stop).await
}

/// A failure no retry mends (a template that does not render): the event is dead-lettered.
fn permanent(e: anyhow::Error) -> TxError<HandleError> {
    abort(HandleError::Permanent(format!("{e:#}")))
}

#[cfg(test)]
mod tests;
