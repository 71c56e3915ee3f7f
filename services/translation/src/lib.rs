//! Translation: on `oped.approved`, one job per target language. The source language is final
//! as written; every other language goes through the machine-translation providers, in order of
//! preference, with signatories' names and glossary terms protected and the Markdown structure
//! kept. Jobs are records driven by a worker (never a held delivery), retried with backoff while
//! no provider delivers, until the job's deadline: its creation plus `[translation] budget`.
//! Each finished language is announced at once as `translation.completed`; a language that
//! cannot be translated (every provider refused, or the deadline passed) as `translation.failed`.

pub mod protect;
pub mod providers;

use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use protect::Prepared as Protected;
use providers::{ChainOptions, ProviderSettings, Providers};
use rrm_bus::{HandleError, Handler, Prepared, Store, Tx, TxResult};
use rrm_contracts::{
    Envelope, Event, LanguageCode, OpedApproved, TranslationCompleted, TranslationFailed,
    TranslationMethod,
};
use rrm_platform::console::Console;
use rrm_platform::{CommonSettings, Service, Worker};
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
    /// Machine-translation providers, in order of preference.
    #[serde(deserialize_with = "providers::deserialize_providers")]
    pub providers: Vec<ProviderSettings>,
    pub allowed_hosts: Vec<String>,
    pub connect_timeout_ms: u64,
    pub request_timeout_ms: u64,
    /// Jobs translated at once.
    pub concurrency: usize,
    /// Largest provider answer read, in bytes.
    #[serde(default = "default_max_response_bytes")]
    pub max_response_bytes: usize,
    /// Attempts per provider within one try of a job.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Failed requests in a row after which a provider is skipped for `breaker_cooldown`.
    #[serde(default = "default_breaker_failures")]
    pub breaker_failures: u32,
    #[serde(default = "default_breaker_cooldown", with = "humantime_serde")]
    pub breaker_cooldown: std::time::Duration,
    /// How long a language may take from the approval before its job fails.
    #[serde(default = "default_budget", with = "humantime_serde")]
    pub budget: std::time::Duration,
    /// Glossary terms never translated (signatories' names never are either).
    #[serde(default)]
    pub protected_terms: Vec<String>,
}

fn default_max_response_bytes() -> usize {
    1024 * 1024
}
fn default_max_attempts() -> u32 {
    3
}
fn default_breaker_failures() -> u32 {
    5
}
fn default_breaker_cooldown() -> std::time::Duration {
    std::time::Duration::from_secs(60)
}
fn default_budget() -> std::time::Duration {
    std::time::Duration::from_secs(2 * 3600)
}

impl TranslationSettings {
    /// The provider chain these settings describe, checked.
    pub fn providers(&self) -> anyhow::Result<Providers> {
        Providers::new(
            &self.providers,
            ChainOptions {
                allowed_hosts: self.allowed_hosts.clone(),
                connect_timeout: std::time::Duration::from_millis(self.connect_timeout_ms),
                request_timeout: std::time::Duration::from_millis(self.request_timeout_ms),
                max_response_bytes: self.max_response_bytes,
                max_attempts: self.max_attempts,
                base_backoff: std::time::Duration::from_millis(250),
                max_backoff: std::time::Duration::from_secs(10),
                breaker_failures: self.breaker_failures,
                breaker_cooldown: self.breaker_cooldown,
            },
        )
    }
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
    /// When the job was created; absent in jobs recorded before it was kept (then: first seen).
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
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
    text: protect::Restored,
    method: TranslationMethod,
) -> Event {
    Event::TranslationCompleted(TranslationCompleted {
        alert_id: oped.alert_id,
        oped_id: oped.oped_id,
        language,
        title: text.title,
        standfirst: text.standfirst,
        body: text.body,
        source_version_hash: oped.version_hash.clone(),
        signatories: oped.signatories.clone(),
        method,
        embargo_until: oped.embargo_until,
        manifest_url: oped.manifest.as_ref().map(|m| m.url.clone()),
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
                let text = protect::Restored {
                    title: oped.title.clone(),
                    standfirst: oped.standfirst.clone(),
                    body: oped.body.clone(),
                };
                let event = completed(oped, language.clone(), text, TranslationMethod::Source);
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
                created_at: Some(Utc::now()),
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
    providers: Arc<Providers>,
    wake: Arc<Notify>,
    concurrency: usize,
    budget: Duration,
    protected_terms: Vec<String>,
}

/// What one try of a job came to.
enum Outcome {
    Done {
        text: protect::Restored,
        provider: String,
        attempts: u32,
    },
    Retry(String),
    Failed(String),
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

    /// The job's deadline: its creation plus the budget.
    fn deadline(&self, job: &Job) -> DateTime<Utc> {
        job.created_at.unwrap_or(job.next_attempt_at) + self.budget
    }

    async fn attempt(&self, job: &Job, oped: &OpedApproved) -> Outcome {
        let deadline = self.deadline(job);
        let Ok(left) = (deadline - Utc::now()).to_std() else {
            return Outcome::Failed(format!(
                "not translated by its deadline {deadline}: {}",
                job.last_error.as_deref().unwrap_or("no provider answered")
            ));
        };
        let mut terms = self.protected_terms.clone();
        terms.extend(oped.signatories.iter().map(|s| s.name.clone()));
        let prepared = Protected::new(&oped.title, &oped.standfirst, &oped.body, &terms);
        let request = providers::Request {
            texts: prepared.texts(),
            source: oped.source_language.primary(),
            target: job.language.as_str(),
        };
        let result = self
            .providers
            .translate(request, tokio::time::Instant::now() + left, |texts| {
                prepared.restore(texts)
            })
            .await;
        match result {
            Ok(answer) => Outcome::Done {
                text: answer.value,
                provider: answer.provider,
                attempts: answer.attempts,
            },
            Err(e) if e.is_permanent() => Outcome::Failed(e.to_string()),
            Err(e) if Utc::now() >= deadline => {
                Outcome::Failed(format!("not translated by its deadline {deadline}: {e}"))
            }
            Err(e) => Outcome::Retry(e.to_string()),
        }
    }

    async fn work(&self, job: Job, oped: OpedApproved) {
        let key = job_key(job.oped_id, &job.language);
        let outcome = Arc::new(self.attempt(&job, &oped).await);
        let recorded = outcome.clone();
        let deadline = self.deadline(&job);
        let written = self.store.transact::<_, HandleError, _>(move |tx| {
            if tx.get::<()>(PENDING, &key)?.is_none() {
                return Ok(());
            }
            let Some(mut current) = tx.get::<Job>(JOBS, &key)? else {
                return Ok(());
            };
            current.attempts += 1;
            current.created_at.get_or_insert(current.next_attempt_at);
            match recorded.as_ref() {
                Outcome::Done { text, .. } => {
                    current.state = JobState::Done;
                    current.last_error = None;
                    tx.remove(PENDING, &key)?;
                    let event = completed(
                        &oped,
                        job.language.clone(),
                        text.clone(),
                        TranslationMethod::Machine,
                    );
                    tx.emit(&Envelope::new(&event, SERVICE, Some(oped.alert_id), None))?;
                }
                Outcome::Failed(reason) => {
                    current.state = JobState::Failed;
                    current.last_error = Some(reason.clone());
                    tx.remove(PENDING, &key)?;
                    let event = Event::TranslationFailed(TranslationFailed {
                        alert_id: oped.alert_id,
                        oped_id: oped.oped_id,
                        language: job.language.clone(),
                        reason: reason.clone(),
                        attempts: current.attempts,
                    });
                    tx.emit(&Envelope::new(&event, SERVICE, Some(oped.alert_id), None))?;
                }
                Outcome::Retry(reason) => {
                    current.last_error = Some(reason.clone());
                    // Never later than the deadline: the last try there fails the job.
                    current.next_attempt_at =
                        (Utc::now() + retry_delay(current.attempts)).min(deadline);
                }
            }
            tx.put(JOBS, &key, &current)?;
            Ok(())
        });
        if let Err(e) = written.await {
            tracing::error!(error = %e, "recording a translation failed; it will be retried");
            return;
        }
        match outcome.as_ref() {
            Outcome::Done {
                provider, attempts, ..
            } => {
                metrics::counter!("rrm_translations_total", "outcome" => "done").increment(1);
                tracing::info!(%provider, attempts, "translated");
            }
            Outcome::Failed(e) => {
                metrics::counter!("rrm_translations_total", "outcome" => "failed").increment(1);
                tracing::error!(error = %e, "translation failed for good");
            }
            Outcome::Retry(e) => {
                metrics::counter!("rrm_translations_total", "outcome" => "retried").increment(1);
                tracing::warn!(error = %e, "no translation provider delivered; will retry");
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
    let providers = t.providers()?;
    tracing::info!(providers = ?providers.names(), "translation providers");
    let service = Service::open(SERVICE, settings.common.clone(), &[OPEDS, JOBS, PENDING])?;
    let wake = Arc::new(Notify::new());
    let translator = Translator {
        store: service.store.clone(),
        providers: Arc::new(providers),
        wake: wake.clone(),
        concurrency: t.concurrency.max(1),
        budget: Duration::from_std(t.budget).unwrap_or(Duration::hours(2)),
        protected_terms: t.protected_terms.clone(),
    };
    let workers: Vec<Worker> = vec![Box::new(move |stop| Box::pin(translator.run(stop)))];
    let console = Console::new(&service).shell();
    service
        .run(console, Arc::new(Dispatch { wake }), workers, stop)
        .await
}

#[cfg(test)]
mod tests;
