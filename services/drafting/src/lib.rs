//! Drafting: on `panel.formed` each author gets a link to the shared draft page. Every save is an
//! immutable version identified by the SHA-256 of its text. Submitting a version opens a signing
//! round and sends each author a signing link bound to that hash and round; its page shows the
//! full text and hash, and signing is a POST from it. A newer version, saved or submitted, voids
//! all signatures; a text submitted again (even one signed before) is signed again. When every
//! author signed the submitted version: `oped.approved` with text, hash and signatories.
//!
//! # Layout
//! - [`settings`]: the `[drafting]` configuration section.
//! - [`domain`]: drafts, versions, signatures; hashing, validation, when a link may sign, when an
//!   op-ed is approved (no I/O).
//! - [`store`]: drafting's trees and typed reads and writes; the only file naming a tree.
//! - [`handlers`]: one module per consumed event (`panel_formed`: open the draft).
//! - [`pages`]: the draft page and the signing page authors reach by link.
//!
//! This file only wires them together.

pub mod domain;
pub mod handlers;
pub mod pages;
pub mod settings;
pub mod store;

pub use settings::{DraftingSettings, Settings};

use rrm_bus::{HandleError, Store, TxError, abort};
use rrm_contracts::LanguageCode;
use rrm_platform::console::Console;
use rrm_platform::mail::{MailWaker, MailWorker, NoHook};
use rrm_platform::{LinkSigner, Pages, Service, Worker};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub const SERVICE: &str = "drafting";
/// Purposes of the two links authors get.
const EDIT: &str = "edit-draft";
const SIGN: &str = "sign-version";

/// What the handler and the pages share.
#[derive(Clone)]
struct Drafting {
    store: Store,
    links: LinkSigner,
    pages: Arc<Pages>,
    public_url: String,
    mail_domain: String,
    source_language: LanguageCode,
    waker: MailWaker,
}

pub async fn run(settings: Settings, stop: CancellationToken) -> anyhow::Result<()> {
    let source_language = LanguageCode::parse(&settings.drafting.source_language)
        .map_err(|e| anyhow::anyhow!("drafting.source_language: {e}"))?;
    let service = Service::open(SERVICE, settings.common.clone(), store::TREES)?;
    let waker = MailWaker::default();
    let drafting = Drafting {
        store: service.store.clone(),
        links: service.links.clone(),
        pages: Arc::new(pages::pages()?),
        public_url: service.public_url(SERVICE),
        mail_domain: service.mail_domain(),
        source_language,
        waker: waker.clone(),
    };
    let worker = MailWorker::new(
        service.store.clone(),
        &service.settings.smtp,
        Arc::new(NoHook),
        &waker,
    )?;
    let workers: Vec<Worker> = vec![Box::new(move |stop| Box::pin(worker.run(stop)))];
    let router = pages::routes(drafting.clone()).merge(Console::new(&service).shell());
    service.run(router, Arc::new(drafting), workers, stop).await
}

/// A failure no retry mends (a template that does not render): the event is dead-lettered.
fn permanent(e: anyhow::Error) -> TxError<HandleError> {
    abort(HandleError::Permanent(format!("{e:#}")))
}

#[cfg(test)]
mod tests;
