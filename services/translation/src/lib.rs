//! Translation: on `oped.approved`, one job per target language. The source language is final
//! as written; every other language goes through the machine-translation provider. Jobs are
//! records driven by a worker (never a held delivery), retried with backoff while the provider is
//! unavailable; each finished language is announced at once as `translation.completed`.

pub mod provider;

use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use provider::{Provider, ProviderError};
use rrm_bus::{HandleError, Handler, Prepared, Store, Tx, TxResult};
use rrm_contracts::{
    Envelope, Event, LanguageCode, OpedApproved, TranslationCompleted, TranslationMethod,
};
use rrm_platform::console::Console;
use rrm_platform::{CommonSettings, Service, Worker};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

pub const SERVICE: &str = "translation";
const OPEDS: &str = "opeds";
const JOBS: &str = "jobs";
const PENDING: &str = "jobs_pending";

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    #[serde(flatten)]
    pub common: CommonSettings,
    pub translation: TranslationSettings,
}

impl rrm_platform::service::HasCommon for Settings {
    fn common(&self) -> &CommonSettings {
        &self.common
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TranslationSettings {
    pub provider_url: String,
    pub allowed_hosts: Vec<String>,
    pub connect_timeout_ms: u64,
    pub request_timeout_ms: u64,
    pub concurrency: usize,
    #[serde(default)]
    pub api_key: Option<SecretString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Pending,
    Done,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub oped_id: Uuid,
    pub language: LanguageCode,
    pub state: JobState,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

fn job_key(oped: Uuid, language: &LanguageCode) -> String {
    format!("{oped}:{language}")
}

#[derive(Clone)]
struct Dispatch {
    wake: Arc<Notify>,
}

fn completed(
    oped: &OpedApproved,
    language: LanguageCode,
    title: String,
    body: String,
    method: TranslationMethod,
) -> Event {
    Event::TranslationCompleted(TranslationCompleted {
        alert_id: oped.alert_id,
        oped_id: oped.oped_id,
        language,
        title,
        body,
        source_version_hash: oped.version_hash.clone(),
        signatories: oped.signatories.clone(),
        method,
        embargo_until: oped.embargo_until,
    })
}

impl Handler for Dispatch {
    fn handle(
        &self,
        tx: &Tx<'_>,
        envelope: &Envelope,
        event: &Event,
        _: &Prepared,
    ) -> TxResult<(), HandleError> {
        let Event::OpedApproved(oped) = event else {
            return Ok(());
        };
        if tx
            .get::<OpedApproved>(OPEDS, oped.oped_id.as_bytes())?
            .is_some()
        {
            return Ok(());
        }
        tx.put(OPEDS, oped.oped_id.as_bytes(), oped)?;
        let mut languages: Vec<&LanguageCode> = Vec::new();
        for l in &oped.target_languages {
            if !languages.contains(&l) {
                languages.push(l);
            }
        }
        for language in languages {
            if language.primary() == oped.source_language.primary() {
                // Written in it: final as signed.
                let event = completed(
                    oped,
                    language.clone(),
                    oped.title.clone(),
                    oped.body.clone(),
                    TranslationMethod::Source,
                );
                tx.emit(&envelope.caused(&event, SERVICE))?;
                continue;
            }
            let key = job_key(oped.oped_id, language);
            let job = Job {
                oped_id: oped.oped_id,
                language: language.clone(),
                state: JobState::Pending,
                attempts: 0,
                next_attempt_at: Utc::now(),
                last_error: None,
            };
            tx.put(JOBS, &key, &job)?;
            tx.put(PENDING, &key, &())?;
        }
        self.wake.notify_one();
        Ok(())
    }
}

struct Translator {
    store: Store,
    provider: Provider,
    wake: Arc<Notify>,
    concurrency: usize,
}

impl Translator {
    async fn run(self, stop: CancellationToken) {
        while !stop.is_cancelled() {
            let due = self.store.read(due).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "reading translation jobs failed");
                Vec::new()
            });
            if due.is_empty() {
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
                    () = stop.cancelled() => return,
                }
                continue;
            }
            futures_util::stream::iter(due)
                .take_while(|_| std::future::ready(!stop.is_cancelled()))
                .for_each_concurrent(self.concurrency, |(job, oped)| {
                    let span = tracing::info_span!("translation", correlation_id = %oped.alert_id, language = %job.language);
                    self.work(job, oped).instrument(span)
                })
                .await;
        }
    }

    async fn work(&self, job: Job, oped: OpedApproved) {
        let key = job_key(job.oped_id, &job.language);
        let result = self
            .provider
            .translate(
                &oped.title,
                &oped.body,
                oped.source_language.primary(),
                job.language.as_str(),
            )
            .await;
        let recorded = result.clone();
        let outcome = self.store.transact::<_, HandleError, _>(move |tx| {
            let result = recorded;
            if tx.get::<()>(PENDING, &key)?.is_none() {
                return Ok(());
            }
            let Some(mut current) = tx.get::<Job>(JOBS, &key)? else {
                return Ok(());
            };
            current.attempts += 1;
            match &result {
                Ok((title, body)) => {
                    current.state = JobState::Done;
                    current.last_error = None;
                    tx.remove(PENDING, &key)?;
                    let event = completed(
                        &oped,
                        job.language.clone(),
                        title.clone(),
                        body.clone(),
                        TranslationMethod::Machine,
                    );
                    tx.emit(&Envelope::new(&event, SERVICE, Some(oped.alert_id), None))?;
                }
                Err(ProviderError::Permanent(e)) => {
                    current.state = JobState::Failed;
                    current.last_error = Some(e.clone());
                    tx.remove(PENDING, &key)?;
                }
                Err(ProviderError::Transient(e)) => {
                    current.last_error = Some(e.clone());
                    current.next_attempt_at = Utc::now() + retry_delay(current.attempts);
                }
            }
            tx.put(JOBS, &key, &current)?;
            Ok(())
        });
        if let Err(e) = outcome.await {
            tracing::error!(error = %e, "recording a translation failed; it will be retried");
            return;
        }
        match result {
            Ok(_) => {
                metrics::counter!("rrm_translations_total", "outcome" => "done").increment(1);
                tracing::info!("translated");
            }
            Err(ProviderError::Permanent(e)) => {
                metrics::counter!("rrm_translations_total", "outcome" => "failed").increment(1);
                tracing::error!(error = %e, "translation refused by the provider; job failed");
            }
            Err(ProviderError::Transient(e)) => {
                metrics::counter!("rrm_translations_total", "outcome" => "retried").increment(1);
                tracing::warn!(error = %e, "translation provider unavailable; will retry");
            }
        }
    }
}

/// Pending jobs whose next attempt is due, with their op-eds, at most 64. Scans the pending list:
/// call it from a blocking thread.
fn due(store: &Store) -> Result<Vec<(Job, OpedApproved)>, rrm_bus::StoreError> {
    let now = Utc::now();
    let mut due = Vec::new();
    for item in store.scan::<()>(PENDING, b"")? {
        let (key, ()) = item?;
        if let Some(job) = store.get::<Job>(JOBS, &key)?
            && job.next_attempt_at <= now
            && let Some(oped) = store.get::<OpedApproved>(OPEDS, job.oped_id.as_bytes())?
        {
            due.push((job, oped));
            if due.len() >= 64 {
                break;
            }
        }
    }
    Ok(due)
}

/// 1 s, 2 s, 4 s … capped at 2 minutes: a crisis cannot wait longer between tries.
pub fn retry_delay(attempts: u32) -> Duration {
    Duration::seconds((1i64 << attempts.saturating_sub(1).min(8)).min(120))
}

pub async fn run(settings: Settings, stop: CancellationToken) -> anyhow::Result<()> {
    let t = &settings.translation;
    let provider = Provider::new(
        &t.provider_url,
        &t.allowed_hosts,
        std::time::Duration::from_millis(t.connect_timeout_ms),
        std::time::Duration::from_millis(t.request_timeout_ms),
        t.api_key.clone(),
    )?;
    let service = Service::open(SERVICE, settings.common.clone(), &[OPEDS, JOBS, PENDING])?;
    let wake = Arc::new(Notify::new());
    let translator = Translator {
        store: service.store.clone(),
        provider,
        wake: wake.clone(),
        concurrency: t.concurrency.max(1),
    };
    let workers: Vec<Worker> = vec![Box::new(move |stop| Box::pin(translator.run(stop)))];
    let console = Console::new(&service).shell();
    service
        .run(console, Arc::new(Dispatch { wake }), workers, stop)
        .await
}

#[cfg(test)]
mod tests;
