//! Each step of a job, inside one transaction with what it causes: the job written (with its
//! machine-worker entry, its holder's load and its timers — [`store::put_job`]), the events
//! (`translation.completed`, `translation.failed`) and the e-mails. The rules are the job's
//! ([`crate::domain::job`]); this file applies them and does what they say.
//!
//! Offers: translators who could take a job are read before the transaction (best first: the
//! translator of the version a correction replaces, then the least busy, then the longest on
//! the list), and checked again inside it against their current load, so a translator is never
//! offered more jobs than their capacity, and a job is held by one translator at most.

use crate::domain::job::{Next, Refusal, Source};
use crate::domain::{Job, Texts};
use crate::store::{self, Oped};
use crate::{SERVICE, Translation};
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, Store, StoreError, Tx, TxResult, abort};
use rrm_contracts::{
    Envelope, Event, OpedApproved, OpedCorrected, OpedWithdrawn, TranslationCompleted,
    TranslationFailed, TranslationMethod,
};
use uuid::Uuid;

/// A step refused (nothing written) or the store failing.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("no such translation job")]
    NotFound,
    #[error("{0}")]
    Failed(String),
}

impl From<rrm_bus::TxError<HandleError>> for StepError {
    fn from(e: rrm_bus::TxError<HandleError>) -> Self {
        StepError::Failed(e.to_string())
    }
}

impl From<StoreError> for StepError {
    fn from(e: StoreError) -> Self {
        StepError::Failed(e.to_string())
    }
}

type StepResult<T> = TxResult<T, StepError>;

fn handle_err(e: rrm_bus::TxError<HandleError>) -> rrm_bus::TxError<StepError> {
    match e {
        rrm_bus::TxError::Storage(s) => rrm_bus::TxError::Storage(s),
        rrm_bus::TxError::Abort(a) => abort(StepError::Failed(a.to_string())),
    }
}

/// Who acts on a job from outside: a translator (by id and name) or a coordinator (by name).
#[derive(Debug, Clone)]
pub enum Actor {
    Translator(Uuid, String),
    Coordinator(String),
}

/// Translators who could take `job` now, best first (read from committed data, before a
/// transaction; [`Translation::offer_next`] checks each again inside it).
pub fn candidates(store: &Store, job: &Job) -> Result<Vec<Uuid>, StoreError> {
    let previous = job.previous_translator();
    let mut found = Vec::new();
    for t in store::translators(store)? {
        let load = store::load_committed(store, t.id)?;
        if t.can_take(&job.source_language, &job.language, load) || Some(t.id) == previous {
            found.push((Some(t.id) != previous, load, t.created_at, t.id));
        }
    }
    found.sort();
    Ok(found.into_iter().map(|(_, _, _, id)| id).collect())
}

impl Translation {
    fn emit(
        &self,
        tx: &Tx<'_>,
        cause: Option<&Envelope>,
        alert_id: Uuid,
        event: &Event,
    ) -> Result<(), StoreError> {
        let envelope = match cause {
            Some(c) => c.caused(event, SERVICE),
            None => Envelope::new(event, SERVICE, Some(alert_id), None),
        };
        tx.emit(&envelope)
    }

    fn completed_event(
        oped: &Oped,
        job_language: &rrm_contracts::LanguageCode,
        done: &crate::domain::Completion,
    ) -> Event {
        Event::TranslationCompleted(TranslationCompleted {
            alert_id: oped.alert_id,
            oped_id: oped.oped_id,
            language: job_language.clone(),
            title: done.texts.title.clone(),
            standfirst: done.texts.standfirst.clone(),
            body: done.texts.body.clone(),
            source_version_hash: oped.version_hash.clone(),
            signatories: oped.signatories.clone(),
            method: done.method,
            embargo_until: oped.embargo_until,
            manifest_url: oped.manifest_url.clone(),
            translator: done.translator.as_ref().map(|(_, name)| name.clone()),
        })
    }

    /// Writes `job` after a step and does what the step said: offer it to the next
    /// translator, report its failure, or announce it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn advance(
        &self,
        tx: &Tx<'_>,
        before: Option<&Job>,
        mut job: Job,
        next: Next,
        candidates: &[Uuid],
        cause: Option<&Envelope>,
        now: DateTime<Utc>,
    ) -> TxResult<Job, HandleError> {
        let next = match next {
            Next::Offer => self.offer_next(tx, &mut job, candidates, now)?,
            other => other,
        };
        let oped = store::oped_tx(tx, job.oped_id)?;
        match (next, oped) {
            (Next::Complete, Some(oped)) => {
                if let Some(done) = &job.completion {
                    let method = serde_json::to_value(done.method)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    metrics::counter!("rrm_translations_total", "outcome" => "completed", "method" => method)
                        .increment(1);
                    let event = Self::completed_event(&oped, &job.language, done);
                    self.emit(tx, cause, oped.alert_id, &event)?;
                }
            }
            (Next::Fail, Some(oped)) => {
                if let Some(failure) = &job.failure {
                    metrics::counter!("rrm_translations_total", "outcome" => "failed").increment(1);
                    tracing::error!(correlation_id = %oped.alert_id, language = %job.language, reason = %failure.reason, "a language cannot be delivered");
                    let event = Event::TranslationFailed(TranslationFailed {
                        alert_id: oped.alert_id,
                        oped_id: oped.oped_id,
                        language: job.language.clone(),
                        reason: failure.reason.clone(),
                        attempts: job.attempts,
                    });
                    self.emit(tx, cause, oped.alert_id, &event)?;
                    self.mail_failure(tx, &oped, &job)?;
                }
            }
            _ => {}
        }
        store::put_job(tx, &job, before)?;
        Ok(job)
    }

    /// Offers `job` to the first candidate who can still take it; reports it when none can.
    fn offer_next(
        &self,
        tx: &Tx<'_>,
        job: &mut Job,
        candidates: &[Uuid],
        now: DateTime<Utc>,
    ) -> TxResult<Next, HandleError> {
        let previous = job.previous_translator();
        for id in candidates {
            if job.offered_to.contains(id) {
                continue;
            }
            let Some(translator) = store::translator_tx(tx, *id)? else {
                continue;
            };
            let load = store::load(tx, *id)?;
            let asked_again = Some(*id) == previous
                && translator.status == crate::domain::TranslatorStatus::Active
                && load < translator.capacity;
            if !(translator.can_take(&job.source_language, &job.language, load) || asked_again) {
                continue;
            }
            job.offer_to(*id, now, self.offer_ttl());
            if let Some(oped) = store::oped_tx(tx, job.oped_id)? {
                self.mail_offer(tx, &oped, job, &translator)?;
            }
            return Ok(Next::Nothing);
        }
        Ok(job.no_translator(now))
    }

    /// `oped.approved`: the op-ed kept, the source language announced as it is, one job per
    /// other language. A repeated approval of the same op-ed changes nothing.
    pub(crate) fn open(
        &self,
        tx: &Tx<'_>,
        cause: &Envelope,
        approved: &OpedApproved,
    ) -> TxResult<(), HandleError> {
        if store::oped_tx(tx, approved.oped_id)?.is_some() {
            return Ok(());
        }
        let now = (self.now)();
        let oped = Oped::from_approved(approved, now);
        store::put_oped(tx, &oped)?;
        for language in &oped.target_languages {
            if language.primary() == oped.source_language.primary() {
                let done = crate::domain::Completion {
                    method: TranslationMethod::Source,
                    texts: oped.texts.clone(),
                    translator: None,
                    by: "source".into(),
                    at: now,
                };
                let event = Self::completed_event(&oped, language, &done);
                self.emit(tx, Some(cause), oped.alert_id, &event)?;
                continue;
            }
            let job = Job::new(
                Source {
                    oped_id: oped.oped_id,
                    alert_id: oped.alert_id,
                    language,
                    source_language: &oped.source_language,
                    version_hash: &oped.version_hash,
                },
                self.settings.policy.of(language),
                now,
                self.budget(),
            );
            store::put_job(tx, &job, None)?;
        }
        self.machine.notify_one();
        Ok(())
    }

    /// `oped.corrected`: the source replaced, every language that is not the source's started
    /// again (its translator, if a person, told what changed and offered it first), the
    /// source language announced again. Corrections of an op-ed not seen, withdrawn, or already
    /// applied change nothing.
    pub(crate) fn correct(
        &self,
        tx: &Tx<'_>,
        cause: &Envelope,
        corrected: &OpedCorrected,
    ) -> TxResult<(), HandleError> {
        let Some(mut oped) = store::oped_tx(tx, corrected.oped_id)? else {
            tracing::warn!(oped_id = %corrected.oped_id, "a correction of an op-ed translation never saw");
            return Ok(());
        };
        if oped.withdrawn.is_some() || oped.version_hash == corrected.version_hash {
            return Ok(());
        }
        let now = (self.now)();
        let previous_source = oped.texts.clone();
        oped.version_hash = corrected.version_hash.clone();
        oped.texts = Texts {
            title: corrected.title.clone(),
            standfirst: corrected.standfirst.clone(),
            body: corrected.body.clone(),
        };
        if !corrected.signatories.is_empty() {
            oped.signatories = corrected.signatories.clone();
        }
        if let Some(m) = &corrected.manifest {
            oped.manifest_url = Some(m.url.clone());
        }
        oped.corrections += 1;
        store::put_oped(tx, &oped)?;
        for language in oped.target_languages.clone() {
            if language.primary() == oped.source_language.primary() {
                let done = crate::domain::Completion {
                    method: TranslationMethod::Source,
                    texts: oped.texts.clone(),
                    translator: None,
                    by: "source".into(),
                    at: now,
                };
                let event = Self::completed_event(&oped, &language, &done);
                self.emit(tx, Some(cause), oped.alert_id, &event)?;
                continue;
            }
            let key = store::job_key(oped.oped_id, &language);
            let Some(before) = store::job_tx(tx, &key)? else {
                continue;
            };
            let mut job = before.clone();
            job.corrected(
                &oped.version_hash,
                previous_source.clone(),
                now,
                self.budget(),
            );
            if let Some(holder) = before.holder() {
                self.mail_taken_back(
                    tx,
                    &oped,
                    &before,
                    holder,
                    "the op-ed was corrected; a new offer follows for the corrected text",
                )?;
            }
            if let Some(t) = job.previous_translator()
                && let Some(translator) = store::translator_tx(tx, t)?
            {
                self.mail_corrected(tx, &oped, &job, &previous_source, &translator)?;
            }
            store::put_job(tx, &job, Some(&before))?;
        }
        self.machine.notify_one();
        Ok(())
    }

    /// `oped.withdrawn`: every open job cancelled, their translators told.
    pub(crate) fn withdraw(
        &self,
        tx: &Tx<'_>,
        withdrawn: &OpedWithdrawn,
    ) -> TxResult<(), HandleError> {
        let Some(mut oped) = store::oped_tx(tx, withdrawn.oped_id)? else {
            return Ok(());
        };
        if oped.withdrawn.is_some() {
            return Ok(());
        }
        oped.withdrawn = Some(withdrawn.reason.clone());
        store::put_oped(tx, &oped)?;
        for language in oped.target_languages.clone() {
            let key = store::job_key(oped.oped_id, &language);
            let Some(before) = store::job_tx(tx, &key)? else {
                continue;
            };
            let mut job = before.clone();
            if !job.cancel() {
                continue;
            }
            if let Some(holder) = before.holder() {
                self.mail_taken_back(
                    tx,
                    &oped,
                    &before,
                    holder,
                    &format!("the op-ed was withdrawn: {}", withdrawn.reason),
                )?;
            }
            store::put_job(tx, &job, Some(&before))?;
        }
        Ok(())
    }

    /// Runs `step` on the job `key` in a transaction, with candidates read first, and does
    /// what it says. Returns the job as written.
    pub async fn step<F>(&self, key: &str, actor: Actor, step: F) -> Result<Job, StepError>
    where
        F: FnOnce(&mut Job, DateTime<Utc>) -> Result<Next, Refusal> + Send + 'static,
    {
        let job = self
            .store
            .read({
                let key = key.to_owned();
                move |s| store::job(s, &key)
            })
            .await?
            .ok_or(StepError::NotFound)?;
        let candidates = self.store.read(move |s| candidates(s, &job)).await?;
        let this = self.clone();
        let key = key.to_owned();
        let written = self
            .store
            .transact(move |tx| -> StepResult<Job> {
                let before = store::job_tx(tx, &key)?.ok_or(abort(StepError::NotFound))?;
                let now = (this.now)();
                let mut job = before.clone();
                let next = step(&mut job, now).map_err(|r| abort(StepError::Refused(r)))?;
                // A coordinator's step that takes the job from its translator tells them.
                if let Actor::Coordinator(name) = &actor
                    && let Some(holder) = before.holder()
                    && job.holder() != Some(holder)
                    && let Some(oped) = store::oped_tx(tx, job.oped_id)?
                {
                    let why = format!("coordinator {name} took the job back");
                    this.mail_taken_back(tx, &oped, &before, holder, &why)
                        .map_err(handle_err)?;
                }
                this.advance(tx, Some(&before), job, next, &candidates, None, now)
                    .map_err(handle_err)
            })
            .await
            .map_err(|e| match e {
                rrm_bus::TxError::Abort(a) => a,
                rrm_bus::TxError::Storage(s) => StepError::Failed(s.to_string()),
            })?;
        self.waker.wake();
        self.machine.notify_one();
        Ok(written)
    }
}
