//! The machine worker: jobs in the machine stage (`machine_pending`), due, go through the
//! provider chain — with signatories' names and glossary terms protected — a few at a time.
//! Each try's outcome is applied as a job step ([`crate::domain::Job::machine_delivered`],
//! [`crate::domain::Job::machine_failed`]) in one transaction; transient failures are tried
//! again with backoff (1 s, 2 s, 4 s … at most 2 minutes, never past the deadline). The worker
//! never holds a delivery: the job is a record, so a restart loses nothing.
//!
//! Back-translations for signatories use the same chain, on request ([`back_translate`]).

use crate::domain::protect::Prepared;
use crate::domain::{Job, Texts};
use crate::store::{self, BackTranslation, Oped};
use crate::workflow::candidates;
use crate::{Translation, providers};
use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use rrm_bus::HandleError;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// 1 s, 2 s, 4 s … capped at 2 minutes: a crisis cannot wait longer between tries.
pub fn retry_delay(attempts: u32) -> Duration {
    Duration::seconds((1i64 << attempts.saturating_sub(1).min(8)).min(120))
}

/// What one try of a job came to.
enum Outcome {
    Delivered { texts: Texts, provider: String },
    Failed { reason: String, permanent: bool },
}

/// Runs until `stop`: due machine jobs, `concurrency` at once.
pub async fn run(translation: Translation, stop: CancellationToken) {
    while !stop.is_cancelled() {
        if work_due(&translation, &stop).await == 0 {
            tokio::select! {
                () = translation.machine.notified() => {}
                () = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
                () = stop.cancelled() => return,
            }
        }
    }
}

/// One round of the worker: the jobs due now (at most 64), `concurrency` at once. Returns how
/// many were tried.
pub async fn work_due(translation: &Translation, stop: &CancellationToken) -> usize {
    let concurrency = translation.settings.concurrency.max(1);
    let now = (translation.now)();
    let due = translation
        .store
        .read(move |s| {
            Ok(store::machine_pending(s, 256)?
                .into_iter()
                .filter(|j| j.next_attempt_at <= now)
                .take(64)
                .collect::<Vec<_>>())
        })
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "reading translation jobs failed");
            Vec::new()
        });
    let tried = due.len();
    futures_util::stream::iter(due)
        .take_while(|_| std::future::ready(!stop.is_cancelled()))
        .for_each_concurrent(concurrency, |job| {
            let span = tracing::info_span!("translation", correlation_id = %job.alert_id, language = %job.language);
            work(translation, job).instrument(span)
        })
        .await;
    tried
}

/// Translates `texts` of `oped` from `from` into `to`, before `deadline`.
async fn translate(
    translation: &Translation,
    oped: &Oped,
    texts: &Texts,
    from: &str,
    to: &str,
    only: Option<&str>,
    deadline: DateTime<Utc>,
) -> Result<providers::Answer<Texts>, providers::ChainError> {
    let left = (deadline - (translation.now)())
        .to_std()
        .unwrap_or_default();
    let mut terms = translation.settings.protected_terms.clone();
    terms.extend(oped.signatories.iter().map(|s| s.name.clone()));
    let prepared = Prepared::new(&texts.title, &texts.standfirst, &texts.body, &terms);
    let request = providers::Request {
        texts: prepared.texts(),
        source: from,
        target: to,
    };
    translation
        .providers
        .translate_on(only, request, tokio::time::Instant::now() + left, |t| {
            prepared.restore(t)
        })
        .await
}

async fn attempt(translation: &Translation, job: &Job, oped: &Oped) -> Outcome {
    if (translation.now)() >= job.deadline {
        return Outcome::Failed {
            reason: format!(
                "not translated by its deadline: {}",
                job.last_error.as_deref().unwrap_or("no provider answered")
            ),
            permanent: true,
        };
    }
    let result = translate(
        translation,
        oped,
        &oped.texts,
        oped.source_language.primary(),
        job.language.as_str(),
        job.only_provider.as_deref(),
        job.deadline,
    )
    .await;
    match result {
        Ok(answer) => Outcome::Delivered {
            texts: answer.value,
            provider: answer.provider,
        },
        Err(e) => Outcome::Failed {
            permanent: e.is_permanent(),
            reason: e.to_string(),
        },
    }
}

async fn work(translation: &Translation, job: Job) {
    let key = store::job_key(job.oped_id, &job.language);
    let oped = match translation
        .store
        .read({
            let id = job.oped_id;
            move |s| store::oped(s, id)
        })
        .await
    {
        Ok(Some(oped)) => oped,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, "reading an op-ed failed");
            return;
        }
    };
    if job.version_hash != oped.version_hash {
        return; // A correction replaced it meanwhile; the new round is due.
    }
    let outcome = Arc::new(attempt(translation, &job, &oped).await);
    let candidates = if translation
        .settings
        .policy
        .of(&job.language)
        .needs_translator()
    {
        let j = job.clone();
        translation
            .store
            .read(move |s| candidates(s, &j))
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let recorded = outcome.clone();
    let this = translation.clone();
    let version = job.version_hash.clone();
    let written = translation
        .store
        .transact::<_, HandleError, _>(move |tx| {
            let Some(before) = store::job_tx(tx, &key)? else {
                return Ok(());
            };
            if before.version_hash != version {
                return Ok(());
            }
            let now = (this.now)();
            let mut job = before.clone();
            let next = match recorded.as_ref() {
                Outcome::Delivered { texts, provider } => {
                    job.machine_delivered(texts.clone(), provider, now)
                }
                Outcome::Failed { reason, permanent } => {
                    let retry_at = now + retry_delay(before.attempts + 1);
                    job.machine_failed(reason.clone(), *permanent, now, retry_at)
                }
            };
            this.advance(tx, Some(&before), job, next, &candidates, None, now)?;
            Ok(())
        })
        .await;
    if let Err(e) = written {
        tracing::error!(error = %e, "recording a translation failed; it will be retried");
        return;
    }
    translation.waker.wake();
    match outcome.as_ref() {
        Outcome::Delivered { provider, .. } => {
            metrics::counter!("rrm_translations_total", "outcome" => "machine").increment(1);
            tracing::info!(%provider, "machine-translated");
        }
        Outcome::Failed {
            reason,
            permanent: true,
        } => {
            tracing::warn!(error = %reason, "no provider will translate it");
        }
        Outcome::Failed { reason, .. } => {
            metrics::counter!("rrm_translations_total", "outcome" => "retried").increment(1);
            tracing::warn!(error = %reason, "no translation provider delivered; will retry");
        }
    }
}

/// The machine text of `job` translated back into the source language, for signatories to
/// check what goes out under their names: kept once made, made again when the machine text
/// changed.
pub async fn back_translate(
    translation: &Translation,
    job: &Job,
) -> Result<BackTranslation, String> {
    let machine = job
        .machine
        .clone()
        .ok_or_else(|| "this language has no machine translation".to_owned())?;
    let key = store::job_key(job.oped_id, &job.language);
    let version = job.version_hash.clone();
    let kept = translation
        .store
        .read({
            let (key, version) = (key.clone(), version.clone());
            move |s| store::back_translation(s, &key, &version)
        })
        .await
        .map_err(|e| e.to_string())?;
    if let Some(kept) = kept
        && kept.of == machine
    {
        return Ok(kept);
    }
    let oped = translation
        .store
        .read({
            let id = job.oped_id;
            move |s| store::oped(s, id)
        })
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "unknown op-ed".to_owned())?;
    let deadline = (translation.now)()
        + Duration::from_std(translation.providers_timeout()).unwrap_or(Duration::seconds(60));
    let answer = translate(
        translation,
        &oped,
        &machine,
        job.language.primary(),
        oped.source_language.primary(),
        None,
        deadline,
    )
    .await
    .map_err(|e| e.to_string())?;
    let back = BackTranslation {
        texts: answer.value,
        of: machine,
        provider: answer.provider,
        at: (translation.now)(),
    };
    let kept = back.clone();
    translation
        .store
        .transact::<_, HandleError, _>(move |tx| {
            store::put_back_translation(tx, &key, &version, &kept)?;
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(back)
}
