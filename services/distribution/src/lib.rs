//! Distribution: each language is sent as soon as it is ready. On `translation.completed`, every
//! editor reading that language gets exactly one e-mail (HTML + plain text, right-to-left where
//! the language is) with the op-ed, its signatories and the signature manifest. The mail key
//! `distribution:<oped>:<language>:<editor>` makes a redelivered event a no-op; when the last
//! mail of a language is sent, `distribution.completed` — atomically with that mail's record.

pub mod domain;

use domain::Editor;
use rrm_bus::{HandleError, Handler, Prepared, Store, Tx, TxResult, abort};
use rrm_contracts::{DistributionCompleted, Envelope, Event, LanguageCode, TranslationCompleted};
use rrm_platform::console::Console;
use rrm_platform::mail::{self, MailHook, MailWaker, MailWorker, NewMail, OutgoingMail};
use rrm_platform::{CommonSettings, Pages, Service, Worker};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const SERVICE: &str = "distribution";
const EDITORS: &str = "editors";
const BY_EMAIL: &str = "editors_by_email";
const BATCHES: &str = "batches";

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
    pub distribution: DistributionSettings,
}

impl rrm_platform::service::HasCommon for Settings {
    fn common(&self) -> &CommonSettings {
        &self.common
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DistributionSettings {
    pub editors_csv: String,
}

/// One language of one op-ed on its way to editors.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Batch {
    pub alert_id: Uuid,
    pub oped_id: Uuid,
    pub language: LanguageCode,
    pub total: u64,
    pub sent: u64,
    pub failed: u64,
    pub completed: bool,
}

/// What each distribution mail carries for the hook.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tag {
    batch: String,
}

fn batch_key(oped: Uuid, language: &LanguageCode) -> String {
    format!("{oped}:{language}")
}

fn pages() -> anyhow::Result<Pages> {
    Pages::new("editor distribution")?
        .text("subject", "Op-ed: {{piece.title}}")?
        .text("text", include_str!("templates/oped.txt"))?
        .html("html", include_str!("templates/oped.html"))
}

#[derive(Clone)]
struct Distribution {
    store: Store,
    pages: Arc<Pages>,
    mail_domain: String,
    waker: MailWaker,
}

fn permanent(e: impl std::fmt::Display) -> rrm_bus::TxError<HandleError> {
    abort(HandleError::Permanent(e.to_string()))
}

impl Distribution {
    /// The editors reading `language`, read before the transaction.
    fn readers(&self, language: &LanguageCode) -> Result<Vec<Editor>, rrm_bus::StoreError> {
        let mut readers = Vec::new();
        for item in self.store.scan::<Editor>(EDITORS, b"")? {
            let (_, editor) = item?;
            if editor.reads(language) {
                readers.push(editor);
            }
        }
        Ok(readers)
    }

    fn distribute(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        piece: &TranslationCompleted,
        readers: &[Editor],
    ) -> TxResult<(), HandleError> {
        let key = batch_key(piece.oped_id, &piece.language);
        if tx.get::<Batch>(BATCHES, &key)?.is_some() {
            return Ok(());
        }
        let rtl = piece.language.is_rtl();
        // Only a web address goes into a link.
        let manifest_url = piece
            .manifest_url
            .as_deref()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
        let data = json!({
            "piece": piece,
            "dir": if rtl { "rtl" } else { "ltr" },
            "body_html": domain::markdown_html(&piece.body),
        });
        let subject = self
            .pages
            .render_text("subject", &data)
            .map_err(|e| permanent(format!("{e:#}")))?;
        let mut total = 0u64;
        for editor in readers {
            let data = json!({
                "piece": piece,
                "editor": editor,
                "manifest_url": manifest_url,
                "dir": if rtl { "rtl" } else { "ltr" },
                "body_html": domain::markdown_html(&piece.body),
            });
            let mail = NewMail {
                key: format!(
                    "distribution:{}:{}:{}",
                    piece.oped_id, piece.language, editor.editor_id
                ),
                to_name: editor.name.clone(),
                to: editor.email.clone(),
                subject: subject.clone(),
                text: self
                    .pages
                    .render_text("text", &data)
                    .map_err(|e| permanent(format!("{e:#}")))?,
                html: Some(
                    self.pages
                        .render_html("html", &data)
                        .map_err(|e| permanent(format!("{e:#}")))?,
                ),
                language: Some(piece.language.clone()),
                correlation_id: Some(piece.alert_id),
                tag: json!(Tag { batch: key.clone() }),
            };
            if mail::enqueue(tx, mail, &self.mail_domain)? {
                total += 1;
            }
        }
        let batch = Batch {
            alert_id: piece.alert_id,
            oped_id: piece.oped_id,
            language: piece.language.clone(),
            total,
            sent: 0,
            failed: 0,
            completed: total == 0,
        };
        tx.put(BATCHES, &key, &batch)?;
        if total == 0 {
            tracing::warn!(language = %piece.language, "no editor reads this language");
            tx.emit(&envelope.caused(&completed_event(&batch), SERVICE))?;
        }
        self.waker.wake();
        Ok(())
    }
}

fn completed_event(batch: &Batch) -> Event {
    Event::DistributionCompleted(DistributionCompleted {
        alert_id: batch.alert_id,
        oped_id: batch.oped_id,
        language: batch.language.clone(),
        recipients: batch.sent,
    })
}

impl Handler for Distribution {
    fn prepare(&self, _: &Envelope, event: &Event) -> Result<Prepared, HandleError> {
        match event {
            Event::TranslationCompleted(piece) => {
                let readers = self
                    .readers(&piece.language)
                    .map_err(|e| HandleError::Transient(e.to_string()))?;
                Ok(Some(Box::new(readers)))
            }
            _ => Ok(None),
        }
    }

    fn handle(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        event: &Event,
        prepared: &Prepared,
    ) -> TxResult<(), HandleError> {
        match event {
            Event::TranslationCompleted(piece) => {
                let readers = prepared
                    .as_ref()
                    .and_then(|p| p.downcast_ref::<Vec<Editor>>())
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                self.distribute(tx, envelope, piece, readers)
            }
            _ => Ok(()),
        }
    }
}

/// Counts each language's mails as they are sent or given up, and announces the language
/// distributed with the last one.
struct Progress;

impl Progress {
    fn record(&self, tx: &Tx<'_>, mail: &OutgoingMail, sent: bool) -> TxResult<(), HandleError> {
        let Ok(tag) = serde_json::from_value::<Tag>(mail.mail.tag.clone()) else {
            return Ok(());
        };
        let Some(mut batch) = tx.get::<Batch>(BATCHES, &tag.batch)? else {
            return Ok(());
        };
        if sent {
            batch.sent += 1;
        } else {
            batch.failed += 1;
        }
        if !batch.completed && batch.sent + batch.failed >= batch.total {
            batch.completed = true;
            tx.emit(&Envelope::new(
                &completed_event(&batch),
                SERVICE,
                Some(batch.alert_id),
                None,
            ))?;
        }
        tx.put(BATCHES, &tag.batch, &batch)?;
        Ok(())
    }
}

impl MailHook for Progress {
    fn on_sent(&self, tx: &Tx<'_>, mail: &OutgoingMail) -> TxResult<(), HandleError> {
        self.record(tx, mail, true)
    }
    fn on_failed(&self, tx: &Tx<'_>, mail: &OutgoingMail) -> TxResult<(), HandleError> {
        self.record(tx, mail, false)
    }
}

/// Upserts the editors of a CSV file by e-mail, in one transaction.
pub async fn import_editors(store: &Store, path: &str) -> anyhow::Result<usize> {
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("editors CSV {path}: {e}"))?;
    let rows = domain::parse_editors(file)?;
    let count = rows.len();
    store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            for row in &rows {
                let existing: Option<Uuid> = tx.get(BY_EMAIL, row.email.as_str())?;
                let previous: Option<Editor> = match existing {
                    Some(id) => tx.get(EDITORS, id.as_bytes())?,
                    None => None,
                };
                let editor = Editor {
                    editor_id: existing.unwrap_or_else(Uuid::now_v7),
                    name: row.name.clone(),
                    email: row.email.clone(),
                    outlet: row.outlet.clone(),
                    languages: row.languages.clone(),
                    regions: row.regions.clone(),
                    topics: row.topics.clone(),
                    // An import never re-subscribes someone who unsubscribed.
                    unsubscribed: previous.is_some_and(|p| p.unsubscribed),
                };
                tx.put(EDITORS, editor.editor_id.as_bytes(), &editor)?;
                tx.put(BY_EMAIL, row.email.as_str(), &editor.editor_id)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(count)
}

pub async fn run(settings: Settings, stop: CancellationToken) -> anyhow::Result<()> {
    let service = Service::open(
        SERVICE,
        settings.common.clone(),
        &[EDITORS, BY_EMAIL, BATCHES],
    )?;
    if !settings.distribution.editors_csv.is_empty() {
        let count = import_editors(&service.store, &settings.distribution.editors_csv).await?;
        tracing::info!(count, path = %settings.distribution.editors_csv, "editors loaded");
    }
    let waker = MailWaker::default();
    let distribution = Distribution {
        store: service.store.clone(),
        pages: Arc::new(pages()?),
        mail_domain: service.mail_domain(),
        waker: waker.clone(),
    };
    let worker = MailWorker::new(
        service.store.clone(),
        &service.settings.smtp,
        Arc::new(Progress),
        &waker,
    )?;
    let workers: Vec<Worker> = vec![Box::new(move |stop| Box::pin(worker.run(stop)))];
    let console = Console::new(&service).shell();
    service
        .run(console, Arc::new(distribution), workers, stop)
        .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::Utc;

    #[test]
    fn the_embargo_reads_as_a_time_and_the_title_takes_its_own_direction() {
        let pages = pages().unwrap();
        let now = Utc::now();
        let embargo = now + chrono::Duration::days(3);
        let data = json!({
            "piece": {
                "title": "عنوان",
                "language": "ar",
                "embargo_until": embargo,
                "signatories": [{ "name": "Amira Haddad", "line": "Levant" }],
                "source_version_hash": "ab",
                "method": "human",
            },
            "editor": { "name": "Ed" },
            "dir": "rtl",
            "body_html": "<p>نص</p>",
        });
        let readable = rrm_platform::times::absolute(embargo, now, None);

        let html = pages.render_html("html", &data).unwrap();
        assert!(
            html.contains(&format!("under embargo until {readable}</strong>")),
            "{html}"
        );
        assert!(html.contains(r#"<h1 dir="auto">عنوان</h1>"#));

        let text = pages.render_text("text", &data).unwrap();
        assert!(
            text.contains(&format!("under embargo until {readable}.")),
            "{text}"
        );
        assert!(!text.contains("Translated by"), "nobody to credit");
    }

    #[test]
    fn a_human_translation_credits_its_translator_escaped() {
        let pages = pages().unwrap();
        let data = json!({
            "piece": {
                "title": "T",
                "language": "fr",
                "signatories": [],
                "source_version_hash": "ab",
                "method": "machine_reviewed",
                "translator": "Léa <Martin>",
            },
            "editor": { "name": "Ed" },
            "dir": "ltr",
            "body_html": "<p>x</p>",
        });
        let html = pages.render_html("html", &data).unwrap();
        assert!(html.contains("Translated by Léa &lt;Martin&gt;."), "{html}");
        let text = pages.render_text("text", &data).unwrap();
        assert!(text.contains("Translated by Léa <Martin>."), "{text}");
    }
}
