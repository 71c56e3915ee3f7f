//! Drafting's trees and typed reads and writes; the only file naming a tree.
//!
//! - `drafts`: [`Draft`] by draft id.
//! - `drafts_by_alert`: draft id by alert id (one draft per alert).
//! - `versions`: [`Version`] by draft id followed by the version's hash.
//! - `signatures`: [`Signatures`] by draft id, signing round (big-endian) and hash; round 0 (drafts
//!   submitted before rounds existed) by draft id and hash alone.
//! - `early_cosigners`: co-signers by alert id, when `panel.cosigner_joined` arrived before
//!   `panel.formed` (events of different types are not ordered); the draft takes them when it
//!   opens.
//! - `audit`: each draft's audit log, [`audit::Entry`] by draft id and sequence number
//!   (big-endian); the draft keeps the last entry's [`audit::Head`].
//! - `manifests`: [`StoredManifest`] by op-ed id followed by the version's hash.
//! - `timers`: signature reminders, [`Reminder`] by due time (ms, big-endian), draft id, round
//!   and the reminder's number: the clock reads the first ones due.

use crate::domain::audit::{self, Action, Entry};
use crate::domain::{Draft, Signatures, Version};
use chrono::{DateTime, Utc};
use rrm_bus::{Store, StoreError, Tx};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const DRAFTS: &str = "drafts";
const BY_ALERT: &str = "drafts_by_alert";
const VERSIONS: &str = "versions";
const SIGNATURES: &str = "signatures";
const EARLY_COSIGNERS: &str = "early_cosigners";
const AUDIT: &str = "audit";
const MANIFESTS: &str = "manifests";
const TIMERS: &str = "timers";
/// Every tree drafting opens (besides those the platform adds).
pub(crate) const TREES: &[&str] = &[
    DRAFTS,
    BY_ALERT,
    VERSIONS,
    SIGNATURES,
    EARLY_COSIGNERS,
    AUDIT,
    MANIFESTS,
    TIMERS,
];

fn key(draft: Uuid, hash: &str) -> Vec<u8> {
    let mut k = draft.as_bytes().to_vec();
    k.extend_from_slice(hash.as_bytes());
    k
}

/// Where the signatures given in signing round `round` to version `hash` are kept. Round 0 is
/// where drafts submitted before rounds existed keep theirs (rounds start at 1).
fn signatures_key(draft: Uuid, round: u32, hash: &str) -> Vec<u8> {
    if round == 0 {
        return key(draft, hash);
    }
    let mut k = draft.as_bytes().to_vec();
    k.extend_from_slice(&round.to_be_bytes());
    k.extend_from_slice(hash.as_bytes());
    k
}

pub(crate) fn draft(store: &Store, id: Uuid) -> Result<Option<Draft>, StoreError> {
    store.get(DRAFTS, id.as_bytes())
}

pub(crate) fn draft_in(tx: &Tx<'_>, id: Uuid) -> Result<Option<Draft>, StoreError> {
    tx.get(DRAFTS, id.as_bytes())
}

pub(crate) fn put_draft(tx: &Tx<'_>, draft: &Draft) -> Result<(), StoreError> {
    tx.put(DRAFTS, draft.draft_id.as_bytes(), draft)
}

/// The id of the draft opened for alert `alert_id`.
pub(crate) fn draft_for_alert(tx: &Tx<'_>, alert_id: Uuid) -> Result<Option<Uuid>, StoreError> {
    tx.get(BY_ALERT, alert_id.as_bytes())
}

/// Stores a new draft, found by its alert from now on.
pub(crate) fn put_new_draft(tx: &Tx<'_>, draft: &Draft) -> Result<(), StoreError> {
    put_draft(tx, draft)?;
    tx.put(BY_ALERT, draft.panel.alert_id.as_bytes(), &draft.draft_id)
}

pub(crate) fn version(
    store: &Store,
    draft: Uuid,
    hash: &str,
) -> Result<Option<Version>, StoreError> {
    store.get(VERSIONS, key(draft, hash))
}

pub(crate) fn version_in(
    tx: &Tx<'_>,
    draft: Uuid,
    hash: &str,
) -> Result<Option<Version>, StoreError> {
    tx.get(VERSIONS, key(draft, hash))
}

/// Stores `version` of `draft` unless that text is stored already (versions never change).
pub(crate) fn put_version(tx: &Tx<'_>, draft: Uuid, version: &Version) -> Result<(), StoreError> {
    if version_in(tx, draft, &version.hash)?.is_none() {
        tx.put(VERSIONS, key(draft, &version.hash), version)?;
    }
    Ok(())
}

/// The signatures given in signing round `round` to version `hash` of `draft`.
pub(crate) fn signatures(
    store: &Store,
    draft: Uuid,
    round: u32,
    hash: &str,
) -> Result<Signatures, StoreError> {
    Ok(store
        .get(SIGNATURES, signatures_key(draft, round, hash))?
        .unwrap_or_default())
}

pub(crate) fn signatures_in(
    tx: &Tx<'_>,
    draft: Uuid,
    round: u32,
    hash: &str,
) -> Result<Signatures, StoreError> {
    Ok(tx
        .get(SIGNATURES, signatures_key(draft, round, hash))?
        .unwrap_or_default())
}

pub(crate) fn put_signatures(
    tx: &Tx<'_>,
    draft: Uuid,
    round: u32,
    hash: &str,
    signatures: &Signatures,
) -> Result<(), StoreError> {
    tx.put(SIGNATURES, signatures_key(draft, round, hash), signatures)
}

/// Every version of `draft`, oldest first.
pub(crate) fn versions(store: &Store, draft: Uuid) -> Result<Vec<Version>, StoreError> {
    let mut all = store
        .scan::<Version>(VERSIONS, draft.as_bytes())?
        .map(|item| item.map(|(_, v)| v))
        .collect::<Result<Vec<_>, _>>()?;
    all.sort_by_key(|v| (v.number, v.created_at));
    Ok(all)
}

/// The newest drafts first, at most `limit`.
pub(crate) fn recent_drafts(store: &Store, limit: usize) -> Result<Vec<Draft>, StoreError> {
    store
        .scan_back::<Draft>(DRAFTS, None)?
        .take(limit)
        .map(|item| item.map(|(_, d)| d))
        .collect()
}

/// The id of the draft of alert `alert_id`, outside a transaction.
pub(crate) fn draft_of_alert(store: &Store, alert_id: Uuid) -> Result<Option<Uuid>, StoreError> {
    store.get(BY_ALERT, alert_id.as_bytes())
}

fn audit_key(draft: Uuid, seq: u64) -> Vec<u8> {
    let mut k = draft.as_bytes().to_vec();
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// Appends an entry to `draft`'s audit log, chained to the last one; the caller stores the
/// draft (it keeps the new head).
pub(crate) fn audit(
    tx: &Tx<'_>,
    draft: &mut Draft,
    at: DateTime<Utc>,
    actor: &str,
    action: Action,
    version: Option<&str>,
    detail: &str,
) -> Result<(), StoreError> {
    let prev: Option<Entry> = match &draft.audit {
        Some(head) => tx.get(AUDIT, audit_key(draft.draft_id, head.seq))?,
        None => None,
    };
    let entry = audit::append(prev.as_ref(), at, actor, action, version, detail);
    tx.put(AUDIT, audit_key(draft.draft_id, entry.seq), &entry)?;
    draft.audit = Some(audit::head(&entry));
    Ok(())
}

/// `draft`'s audit log, oldest first.
pub(crate) fn audit_log(store: &Store, draft: Uuid) -> Result<Vec<Entry>, StoreError> {
    store
        .scan::<Entry>(AUDIT, draft.as_bytes())?
        .map(|item| item.map(|(_, e)| e))
        .collect()
}

/// Overwrites one audit entry: what tampering would do (tests prove it is detected).
#[cfg(test)]
pub(crate) fn tamper_audit(tx: &Tx<'_>, draft: Uuid, entry: &Entry) -> Result<(), StoreError> {
    tx.put(AUDIT, audit_key(draft, entry.seq), entry)
}

/// A signature manifest as signed and served.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredManifest {
    /// The manifest's JSON, byte for byte as signed.
    pub manifest: String,
    /// The Ed25519 signature, standard base64.
    pub signature: String,
}

fn manifest_key(oped: Uuid, hash: &str) -> Vec<u8> {
    key(oped, hash)
}

pub(crate) fn put_manifest(
    tx: &Tx<'_>,
    oped: Uuid,
    hash: &str,
    manifest: &StoredManifest,
) -> Result<(), StoreError> {
    tx.put(MANIFESTS, manifest_key(oped, hash), manifest)
}

pub(crate) fn manifest(
    store: &Store,
    oped: Uuid,
    hash: &str,
) -> Result<Option<StoredManifest>, StoreError> {
    store.get(MANIFESTS, manifest_key(oped, hash))
}

/// A signature reminder: the `number`th of `round` of `draft`, due at `due`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Reminder {
    pub due: DateTime<Utc>,
    pub draft_id: Uuid,
    pub round: u32,
    pub number: u8,
}

fn timer_key(r: &Reminder) -> Vec<u8> {
    let ms = r.due.timestamp_millis().max(0) as u64;
    let mut k = ms.to_be_bytes().to_vec();
    k.extend_from_slice(r.draft_id.as_bytes());
    k.extend_from_slice(&r.round.to_be_bytes());
    k.push(r.number);
    k
}

pub(crate) fn set_reminder(tx: &Tx<'_>, r: &Reminder) -> Result<(), StoreError> {
    tx.put(TIMERS, timer_key(r), r)
}

pub(crate) fn remove_reminder(tx: &Tx<'_>, r: &Reminder) -> Result<(), StoreError> {
    tx.remove(TIMERS, timer_key(r))
}

/// The `limit` reminders due first.
pub(crate) fn next_reminders(store: &Store, limit: usize) -> Result<Vec<Reminder>, StoreError> {
    store
        .scan_after::<Reminder>(TIMERS, None)?
        .take(limit)
        .map(|item| item.map(|(_, r)| r))
        .collect()
}

/// Keeps a co-signer whose draft is not open yet.
pub(crate) fn keep_early_cosigner(
    tx: &Tx<'_>,
    alert_id: Uuid,
    member: &rrm_contracts::PanelMember,
) -> Result<(), StoreError> {
    let mut early: Vec<rrm_contracts::PanelMember> = tx
        .get(EARLY_COSIGNERS, alert_id.as_bytes())?
        .unwrap_or_default();
    if !early.iter().any(|m| m.member_id == member.member_id) {
        early.push(member.clone());
    }
    tx.put(EARLY_COSIGNERS, alert_id.as_bytes(), &early)
}

/// The co-signers kept for a draft about to open, removed from the waiting list.
pub(crate) fn take_early_cosigners(
    tx: &Tx<'_>,
    alert_id: Uuid,
) -> Result<Vec<rrm_contracts::PanelMember>, StoreError> {
    let early = tx
        .get(EARLY_COSIGNERS, alert_id.as_bytes())?
        .unwrap_or_default();
    tx.remove(EARLY_COSIGNERS, alert_id.as_bytes())?;
    Ok(early)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_submitted_before_signing_rounds_keep_their_signatures() {
        let (draft, hash) = (Uuid::now_v7(), "ab".repeat(32));
        assert_eq!(signatures_key(draft, 0, &hash), key(draft, &hash));
        assert_ne!(signatures_key(draft, 1, &hash), key(draft, &hash));
    }
}
