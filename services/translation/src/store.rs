//! Translation's trees and typed reads and writes; the only file naming a tree.
//!
//! - `sources`: [`Oped`] by op-ed id: the signed source text translated (the latest
//!   correction's), with its signatories.
//! - `opeds_by_alert`: op-ed ids by alert id followed by op-ed id.
//! - `translation_jobs`: [`Job`] by op-ed id, `:` and language code.
//! - `machine_pending`: the keys of jobs in the machine stage: what the machine worker reads.
//! - `timers`: [`Timer`] by due time (ms, big-endian), op-ed id, language and kind: offers
//!   expiring and deadlines, for the translation clock.
//! - `translators`: [`Translator`] by id; `translators_by_email`: id by lower-cased address.
//! - `translator_load`: jobs each translator holds (offered or claimed), by translator id.
//! - `back_translations`: [`BackTranslation`] by job key, `@` and version hash.

use crate::domain::{Job, Texts, Translator};
use chrono::{DateTime, Utc};
use rrm_bus::{Store, StoreError, Tx};
use rrm_contracts::{LanguageCode, OpedApproved, Signatory};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const SOURCES: &str = "sources";
const BY_ALERT: &str = "opeds_by_alert";
const JOBS: &str = "translation_jobs";
const MACHINE: &str = "machine_pending";
const TIMERS: &str = "timers";
const TRANSLATORS: &str = "translators";
const BY_EMAIL: &str = "translators_by_email";
const LOAD: &str = "translator_load";
const BACK: &str = "back_translations";
/// Every tree translation opens (besides those the platform adds).
pub(crate) const TREES: &[&str] = &[
    SOURCES,
    BY_ALERT,
    JOBS,
    MACHINE,
    TIMERS,
    TRANSLATORS,
    BY_EMAIL,
    LOAD,
    BACK,
];

/// The op-ed as translation knows it: the signed source of its latest version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Oped {
    pub alert_id: Uuid,
    pub oped_id: Uuid,
    pub source_language: LanguageCode,
    pub target_languages: Vec<LanguageCode>,
    pub version_hash: String,
    pub texts: Texts,
    pub signatories: Vec<Signatory>,
    pub embargo_until: Option<DateTime<Utc>>,
    pub manifest_url: Option<String>,
    pub approved_at: DateTime<Utc>,
    /// Corrections published since the approval.
    #[serde(default)]
    pub corrections: u32,
    /// Why the op-ed was withdrawn, once it was.
    #[serde(default)]
    pub withdrawn: Option<String>,
}

impl Oped {
    pub fn from_approved(oped: &OpedApproved, now: DateTime<Utc>) -> Self {
        let mut targets: Vec<LanguageCode> = Vec::new();
        for l in &oped.target_languages {
            if !targets.contains(l) {
                targets.push(l.clone());
            }
        }
        Oped {
            alert_id: oped.alert_id,
            oped_id: oped.oped_id,
            source_language: oped.source_language.clone(),
            target_languages: targets,
            version_hash: oped.version_hash.clone(),
            texts: Texts {
                title: oped.title.clone(),
                standfirst: oped.standfirst.clone(),
                body: oped.body.clone(),
            },
            signatories: oped.signatories.clone(),
            embargo_until: oped.embargo_until,
            manifest_url: oped.manifest.as_ref().map(|m| m.url.clone()),
            approved_at: now,
            corrections: 0,
            withdrawn: None,
        }
    }
}

/// A machine translation back into the source language, for signatories to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackTranslation {
    pub texts: Texts,
    /// The machine text translated back.
    pub of: Texts,
    pub provider: String,
    pub at: DateTime<Utc>,
}

/// What a timer does when due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TimerKind {
    /// The offer to `translator` ends unless claimed.
    OfferExpires { translator: Uuid },
    /// The job's deadline.
    Deadline,
}

/// A language code as a fixed-size value, so that a timer is `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageKey([u8; 16]);

impl LanguageKey {
    pub fn new(language: &LanguageCode) -> Self {
        let mut key = [0u8; 16];
        let bytes = language.as_str().as_bytes();
        let n = bytes.len().min(16);
        key[..n].copy_from_slice(&bytes[..n]);
        LanguageKey(key)
    }

    pub fn as_str(&self) -> &str {
        let n = self.0.iter().position(|b| *b == 0).unwrap_or(16);
        std::str::from_utf8(&self.0[..n]).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub due: DateTime<Utc>,
    pub oped_id: Uuid,
    pub language: LanguageKey,
    pub kind: TimerKind,
}

impl Timer {
    pub fn job_key(&self) -> String {
        format!("{}:{}", self.oped_id, self.language.as_str())
    }
}

fn timer_key(t: &Timer) -> Vec<u8> {
    let ms = t.due.timestamp_millis().max(0) as u64;
    let mut k = ms.to_be_bytes().to_vec();
    k.extend_from_slice(t.oped_id.as_bytes());
    k.extend_from_slice(&t.language.0);
    match t.kind {
        TimerKind::Deadline => k.push(0),
        TimerKind::OfferExpires { translator } => {
            k.push(1);
            k.extend_from_slice(translator.as_bytes());
        }
    }
    k
}

pub fn job_key(oped: Uuid, language: &LanguageCode) -> String {
    format!("{oped}:{language}")
}

// Op-eds.

pub(crate) fn oped(store: &Store, oped_id: Uuid) -> Result<Option<Oped>, StoreError> {
    store.get(SOURCES, oped_id.as_bytes())
}

pub(crate) fn oped_tx(tx: &Tx<'_>, oped_id: Uuid) -> Result<Option<Oped>, StoreError> {
    tx.get(SOURCES, oped_id.as_bytes())
}

pub(crate) fn put_oped(tx: &Tx<'_>, oped: &Oped) -> Result<(), StoreError> {
    let mut by_alert = oped.alert_id.as_bytes().to_vec();
    by_alert.extend_from_slice(oped.oped_id.as_bytes());
    tx.put(BY_ALERT, by_alert, &())?;
    tx.put(SOURCES, oped.oped_id.as_bytes(), oped)
}

/// The op-eds of an alert.
pub(crate) fn opeds_of_alert(store: &Store, alert_id: Uuid) -> Result<Vec<Oped>, StoreError> {
    let mut opeds = Vec::new();
    for key in store.scan_keys(BY_ALERT, alert_id.as_bytes())? {
        let key = key?;
        if let Some(id) = key.get(16..32).and_then(|b| Uuid::from_slice(b).ok())
            && let Some(o) = oped(store, id)?
        {
            opeds.push(o);
        }
    }
    Ok(opeds)
}

/// Every op-ed, newest first (op-ed ids are time-ordered).
pub(crate) fn opeds(store: &Store, limit: usize) -> Result<Vec<Oped>, StoreError> {
    store
        .scan_back::<Oped>(SOURCES, None)?
        .take(limit)
        .map(|item| item.map(|(_, o)| o))
        .collect()
}

// Jobs.

pub(crate) fn job(store: &Store, key: &str) -> Result<Option<Job>, StoreError> {
    store.get(JOBS, key)
}

pub(crate) fn job_tx(tx: &Tx<'_>, key: &str) -> Result<Option<Job>, StoreError> {
    tx.get(JOBS, key)
}

/// The jobs of an op-ed, by language code.
pub(crate) fn jobs_of(store: &Store, oped_id: Uuid) -> Result<Vec<Job>, StoreError> {
    store
        .scan::<Job>(JOBS, format!("{oped_id}:"))?
        .map(|item| item.map(|(_, j)| j))
        .collect()
}

/// Writes `job`, keeping what depends on it: the machine worker's list, the holder's load and
/// the job's timers. `before` is the job as it was read (None for a new one).
pub(crate) fn put_job(tx: &Tx<'_>, job: &Job, before: Option<&Job>) -> Result<(), StoreError> {
    use crate::domain::Stage;
    let key = job_key(job.oped_id, &job.language);
    if job.stage == Stage::Machine {
        tx.put(MACHINE, &key, &())?;
    } else {
        tx.remove(MACHINE, &key)?;
    }
    let old_holder = before.and_then(Job::holder);
    if old_holder != job.holder() {
        if let Some(t) = old_holder {
            add_load(tx, t, -1)?;
        }
        if let Some(t) = job.holder() {
            add_load(tx, t, 1)?;
        }
    }
    // Timers: the deadline while open, the offer's expiry while offered.
    let language = LanguageKey::new(&job.language);
    let timers = |j: &Job| {
        let mut timers = Vec::new();
        if j.is_open() && j.failure.is_none() {
            timers.push(Timer {
                due: j.deadline,
                oped_id: j.oped_id,
                language,
                kind: TimerKind::Deadline,
            });
        }
        if let crate::domain::Stage::Offered {
            translator,
            expires_at,
            ..
        } = j.stage
        {
            timers.push(Timer {
                due: expires_at,
                oped_id: j.oped_id,
                language,
                kind: TimerKind::OfferExpires { translator },
            });
        }
        timers
    };
    let new = timers(job);
    if let Some(before) = before {
        for t in timers(before) {
            if !new.contains(&t) {
                tx.remove(TIMERS, timer_key(&t))?;
            }
        }
    }
    for t in &new {
        tx.put(TIMERS, timer_key(t), t)?;
    }
    tx.put(JOBS, &key, job)
}

/// Keys of jobs in the machine stage, at most `limit`.
pub(crate) fn machine_pending(store: &Store, limit: usize) -> Result<Vec<Job>, StoreError> {
    let mut jobs = Vec::new();
    for key in store.scan_keys(MACHINE, b"")? {
        let key = key?;
        if let Some(job) = store.get::<Job>(JOBS, &key)? {
            jobs.push(job);
            if jobs.len() >= limit {
                break;
            }
        }
    }
    Ok(jobs)
}

pub(crate) fn remove_timer(tx: &Tx<'_>, timer: &Timer) -> Result<(), StoreError> {
    tx.remove(TIMERS, timer_key(timer))
}

/// The `limit` timers due first.
pub(crate) fn next_timers(store: &Store, limit: usize) -> Result<Vec<Timer>, StoreError> {
    store
        .scan_after::<Timer>(TIMERS, None)?
        .take(limit)
        .map(|item| item.map(|(_, t)| t))
        .collect()
}

// Translators.

pub(crate) fn translator(store: &Store, id: Uuid) -> Result<Option<Translator>, StoreError> {
    store.get(TRANSLATORS, id.as_bytes())
}

pub(crate) fn translator_tx(tx: &Tx<'_>, id: Uuid) -> Result<Option<Translator>, StoreError> {
    tx.get(TRANSLATORS, id.as_bytes())
}

/// The translator with this address (any case), if any.
pub(crate) fn translator_by_email_tx(tx: &Tx<'_>, email: &str) -> Result<Option<Uuid>, StoreError> {
    tx.get(BY_EMAIL, email.to_lowercase())
}

/// Adds or replaces a translator, keeping the address index.
pub(crate) fn put_translator(tx: &Tx<'_>, t: &Translator) -> Result<(), StoreError> {
    if let Some(old) = translator_tx(tx, t.id)?
        && old.email != t.email
    {
        tx.remove(BY_EMAIL, old.email.as_str().to_lowercase())?;
    }
    tx.put(BY_EMAIL, t.email.as_str().to_lowercase(), &t.id)?;
    tx.put(TRANSLATORS, t.id.as_bytes(), t)
}

/// Removes a translator (and their address from the index).
pub(crate) fn remove_translator(tx: &Tx<'_>, id: Uuid) -> Result<bool, StoreError> {
    let Some(old) = translator_tx(tx, id)? else {
        return Ok(false);
    };
    tx.remove(BY_EMAIL, old.email.as_str().to_lowercase())?;
    tx.remove(TRANSLATORS, id.as_bytes())?;
    Ok(true)
}

/// Every translator, in the order they were added.
pub(crate) fn translators(store: &Store) -> Result<Vec<Translator>, StoreError> {
    store
        .scan::<Translator>(TRANSLATORS, b"")?
        .map(|item| item.map(|(_, t)| t))
        .collect()
}

/// Jobs `translator` holds (offered or claimed).
pub(crate) fn load(tx: &Tx<'_>, translator: Uuid) -> Result<u32, StoreError> {
    Ok(tx.get(LOAD, translator.as_bytes())?.unwrap_or(0))
}

/// Jobs `translator` holds, as last committed.
pub(crate) fn load_committed(store: &Store, translator: Uuid) -> Result<u32, StoreError> {
    Ok(store.get(LOAD, translator.as_bytes())?.unwrap_or(0))
}

fn add_load(tx: &Tx<'_>, translator: Uuid, delta: i64) -> Result<(), StoreError> {
    let now = i64::from(load(tx, translator)?);
    let next = u32::try_from((now + delta).max(0)).unwrap_or(0);
    if next == 0 {
        tx.remove(LOAD, translator.as_bytes())
    } else {
        tx.put(LOAD, translator.as_bytes(), &next)
    }
}

// Back-translations.

pub(crate) fn back_translation(
    store: &Store,
    job_key: &str,
    version: &str,
) -> Result<Option<BackTranslation>, StoreError> {
    store.get(BACK, format!("{job_key}@{version}"))
}

pub(crate) fn put_back_translation(
    tx: &Tx<'_>,
    job_key: &str,
    version: &str,
    back: &BackTranslation,
) -> Result<(), StoreError> {
    tx.put(BACK, format!("{job_key}@{version}"), back)
}
