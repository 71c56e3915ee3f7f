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

use crate::domain::{Draft, Signatures, Version};
use rrm_bus::{Store, StoreError, Tx};
use uuid::Uuid;

const DRAFTS: &str = "drafts";
const BY_ALERT: &str = "drafts_by_alert";
const VERSIONS: &str = "versions";
const SIGNATURES: &str = "signatures";
const EARLY_COSIGNERS: &str = "early_cosigners";
/// Every tree drafting opens (besides those the platform adds).
pub(crate) const TREES: &[&str] = &[DRAFTS, BY_ALERT, VERSIONS, SIGNATURES, EARLY_COSIGNERS];

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

/// Number of versions stored, of every draft.
#[cfg(test)]
pub(crate) fn version_count(store: &Store) -> Result<u64, StoreError> {
    store.count(VERSIONS)
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
