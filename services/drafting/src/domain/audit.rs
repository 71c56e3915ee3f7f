//! Each draft's audit log: who did what to it, and when, hash-chained so that an altered,
//! removed or reordered entry is detected.
//!
//! The rules:
//!
//! - Entries are numbered from 1, without gaps.
//! - Each entry records the hash of the one before it (`prev`; [`GENESIS`] for the first) and its
//!   own hash: the lower-hex SHA-256 of the compact JSON of all its other fields, in declaration
//!   order (`seq`, `at`, `actor`, `action`, `version`, `detail`, `prev`), with `at` written as
//!   RFC 3339 with milliseconds and `Z` (`2026-11-23T19:16:00.123Z`). Times are kept to the
//!   millisecond, so an entry stored and read back hashes the same.
//! - The draft keeps the [`Head`] of its log (last number and hash): a log cut short, even by
//!   its last entry, no longer reaches it.
//! - [`verify`] names the first entry that breaks the chain, and why, in plain English.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened to the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    VersionSaved,
    EditRefused,
    Submitted,
    Signed,
    SignatureWithdrawn,
    SignaturesVoided,
    ChangesRequested,
    Reminded,
    CosignerJoined,
    SignedOff,
    Approved,
    CorrectionSaved,
    Corrected,
    Withdrawn,
}

impl Action {
    /// The action in readable English, as the log page shows it.
    pub fn label(self) -> &'static str {
        match self {
            Action::VersionSaved => "version saved",
            Action::EditRefused => "edit refused",
            Action::Submitted => "submitted for signature",
            Action::Signed => "signed",
            Action::SignatureWithdrawn => "signature withdrawn",
            Action::SignaturesVoided => "signatures voided",
            Action::ChangesRequested => "changes requested",
            Action::Reminded => "reminded",
            Action::CosignerJoined => "co-signer joined",
            Action::SignedOff => "signed off",
            Action::Approved => "approved",
            Action::CorrectionSaved => "correction saved",
            Action::Corrected => "corrected",
            Action::Withdrawn => "withdrawn",
        }
    }
}

/// One entry of a draft's audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When it happened, to the millisecond.
    pub at: DateTime<Utc>,
    /// Who did it: `"Amina Diallo (author)"`, `"coordinator Ruth"`, `"drafting (clock)"`.
    pub actor: String,
    pub action: Action,
    /// Hash of the version it concerns, if any.
    pub version: Option<String>,
    /// Anything worth knowing, in plain words.
    pub detail: String,
    /// Hash of the previous entry; [`GENESIS`] for the first.
    pub prev: String,
    /// Hash of this entry's other fields.
    pub hash: String,
}

/// What the draft keeps of its log's last entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

/// Why a log does not verify: the first entry that breaks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("entry {seq}: {reason}")]
pub struct Broken {
    pub seq: u64,
    pub reason: String,
}

/// The fields an entry's hash covers, in order, with the time in one fixed form.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: u64,
    at: String,
    actor: &'a str,
    action: Action,
    version: Option<&'a str>,
    detail: &'a str,
    prev: &'a str,
}

/// The entry that follows `prev` (`None`: the log's first).
pub fn append(
    prev: Option<&Entry>,
    at: DateTime<Utc>,
    actor: &str,
    action: Action,
    version: Option<&str>,
    detail: &str,
) -> Entry {
    let mut entry = Entry {
        seq: prev.map_or(1, |p| p.seq + 1),
        at: at.trunc_subsecs(3),
        actor: actor.to_owned(),
        action,
        version: version.map(str::to_owned),
        detail: detail.to_owned(),
        prev: prev.map_or_else(|| GENESIS.to_owned(), |p| p.hash.clone()),
        hash: String::new(),
    };
    entry.hash = hash(&entry);
    entry
}

/// The [`Head`] a draft keeps when `entry` is its log's last.
pub fn head(entry: &Entry) -> Head {
    Head {
        seq: entry.seq,
        hash: entry.hash.clone(),
    }
}

/// Checks a whole log: numbered 1 to n, each entry following the one before, each hash matching
/// its entry, and — when the draft's `head` is given — ending at it.
pub fn verify(entries: &[Entry], head: Option<&Head>) -> Result<(), Broken> {
    let mut previous: Option<&Entry> = None;
    for (index, entry) in entries.iter().enumerate() {
        check_entry(entries, index, entry, previous)?;
        previous = Some(entry);
    }
    match head {
        Some(head) => check_head(previous, head),
        None => Ok(()),
    }
}

fn check_entry(
    entries: &[Entry],
    index: usize,
    entry: &Entry,
    previous: Option<&Entry>,
) -> Result<(), Broken> {
    let expected_seq = index as u64 + 1;
    let broken = |reason: String| {
        Err(Broken {
            seq: entry.seq,
            reason,
        })
    };
    if entry.seq != expected_seq {
        let later = entries[index..].iter().any(|e| e.seq == expected_seq);
        return match previous {
            Some(p) if later || entry.seq < expected_seq => {
                broken(format!("does not follow entry {}", p.seq))
            }
            None if later => broken("does not start the log".to_owned()),
            _ => broken("missing entry before it".to_owned()),
        };
    }
    if entry.hash != hash(entry) {
        return broken("altered: its hash does not match its content".to_owned());
    }
    match previous {
        None if entry.prev != GENESIS => broken("does not start the log".to_owned()),
        Some(p) if entry.prev != p.hash => broken(format!("does not follow entry {}", p.seq)),
        _ => Ok(()),
    }
}

fn check_head(last: Option<&Entry>, head: &Head) -> Result<(), Broken> {
    let last_seq = last.map_or(0, |e| e.seq);
    let broken = |seq: u64, reason: String| Err(Broken { seq, reason });
    if last_seq < head.seq {
        return broken(
            head.seq,
            format!("the log ends before its recorded last entry {}", head.seq),
        );
    }
    match last {
        Some(last) if last.seq > head.seq => broken(
            last.seq,
            format!("the log goes past its recorded last entry {}", head.seq),
        ),
        Some(last) if last.hash != head.hash => broken(
            last.seq,
            "altered: it is not the recorded last entry".to_owned(),
        ),
        _ => Ok(()),
    }
}

/// Lower-hex SHA-256 of the compact JSON of the entry's fields other than `hash`.
#[expect(
    clippy::expect_used,
    reason = "numbers, strings, options and a unit enum always serialise to JSON"
)]
fn hash(entry: &Entry) -> String {
    let hashed = Hashed {
        seq: entry.seq,
        at: entry.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        actor: &entry.actor,
        action: entry.action,
        version: entry.version.as_deref(),
        detail: &entry.detail,
        prev: &entry.prev,
    };
    let json = serde_json::to_vec(&hashed).expect("an audit entry always serialises");
    hex::encode(Sha256::digest(json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn chain(n: usize) -> Vec<Entry> {
        let start = Utc.with_ymd_and_hms(2026, 11, 23, 19, 16, 0).unwrap()
            + Duration::nanoseconds(123_456_789);
        let steps = [
            (
                "Amina Diallo (author)",
                Action::VersionSaved,
                Some("v1"),
                "",
            ),
            (
                "Amina Diallo (author)",
                Action::Submitted,
                Some("v1"),
                "round 1",
            ),
            ("Ruth Cohen (co-signer)", Action::Signed, Some("v1"), ""),
            (
                "drafting (clock)",
                Action::Reminded,
                None,
                "2 signatures missing",
            ),
            (
                "coordinator Ruth",
                Action::SignedOff,
                Some("v1"),
                "approved as is",
            ),
        ];
        let mut entries: Vec<Entry> = Vec::new();
        for i in 0..n {
            let (actor, action, version, detail) = steps[i % steps.len()];
            let at = start + Duration::minutes(i as i64);
            entries.push(append(entries.last(), at, actor, action, version, detail));
        }
        entries
    }

    fn last_head(entries: &[Entry]) -> Head {
        head(entries.last().unwrap())
    }

    #[test]
    fn an_untouched_chain_verifies_also_after_storage() {
        let entries = chain(5);
        assert_eq!(entries[0].seq, 1);
        assert_eq!(entries[0].prev, GENESIS);
        assert_eq!(entries[1].prev, entries[0].hash);
        assert_eq!(entries[0].hash.len(), 64);
        assert_eq!(entries[0].at.timestamp_subsec_nanos(), 123_000_000);
        let head = last_head(&entries);
        assert_eq!(verify(&entries, Some(&head)), Ok(()));

        let stored = serde_json::to_string(&entries).unwrap();
        let reloaded: Vec<Entry> = serde_json::from_str(&stored).unwrap();
        assert_eq!(verify(&reloaded, Some(&head)), Ok(()));
        assert_eq!(verify(&[], None), Ok(()));
    }

    #[test]
    fn an_altered_entry_is_named() {
        let mut entries = chain(5);
        entries[2].detail = "signed under protest".to_owned();
        let broken = verify(&entries, None).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert_eq!(
            broken.reason,
            "altered: its hash does not match its content"
        );
        assert_eq!(
            broken.to_string(),
            "entry 3: altered: its hash does not match its content"
        );
    }

    #[test]
    fn a_removed_middle_entry_is_detected() {
        let mut entries = chain(5);
        entries.remove(2);
        let broken = verify(&entries, None).unwrap_err();
        assert_eq!(broken.seq, 4);
        assert_eq!(broken.reason, "missing entry before it");
    }

    #[test]
    fn swapped_entries_are_detected() {
        let mut entries = chain(5);
        entries.swap(1, 2);
        let broken = verify(&entries, None).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert_eq!(broken.reason, "does not follow entry 1");
    }

    #[test]
    fn a_removed_last_entry_is_detected_only_with_the_head() {
        let mut entries = chain(5);
        let head = last_head(&entries);
        entries.pop();
        assert_eq!(verify(&entries, None), Ok(()));
        let broken = verify(&entries, Some(&head)).unwrap_err();
        assert_eq!(broken.seq, 5);
        assert_eq!(
            broken.reason,
            "the log ends before its recorded last entry 5"
        );
        assert!(verify(&[], Some(&head)).is_err());
    }

    #[test]
    fn a_rewritten_last_entry_does_not_match_the_head() {
        let mut entries = chain(5);
        let head = last_head(&entries);
        let fourth = entries[3].clone();
        entries[4] = append(
            Some(&fourth),
            fourth.at,
            "coordinator Ruth",
            Action::Withdrawn,
            None,
            "",
        );
        assert_eq!(verify(&entries, None), Ok(()));
        assert_eq!(verify(&entries, Some(&head)).unwrap_err().seq, 5);
    }

    #[test]
    fn an_altered_entry_with_a_recomputed_hash_breaks_the_next() {
        let mut entries = chain(5);
        entries[1].actor = "someone else".to_owned();
        entries[1].hash = hash(&entries[1]);
        let broken = verify(&entries, None).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert_eq!(broken.reason, "does not follow entry 2");
    }

    #[test]
    fn a_forged_first_entry_does_not_start_the_log() {
        let mut entries = chain(2);
        entries[0].prev = "f".repeat(64);
        entries[0].hash = hash(&entries[0]);
        let broken = verify(&entries, None).unwrap_err();
        assert_eq!(
            (broken.seq, broken.reason.as_str()),
            (1, "does not start the log")
        );
    }

    #[test]
    fn actions_read_as_english_and_store_as_snake_case() {
        assert_eq!(Action::VersionSaved.label(), "version saved");
        assert_eq!(Action::SignatureWithdrawn.label(), "signature withdrawn");
        assert_eq!(Action::SignaturesVoided.label(), "signatures voided");
        assert_eq!(Action::ChangesRequested.label(), "changes requested");
        assert_eq!(
            serde_json::to_string(&Action::CosignerJoined).unwrap(),
            "\"cosigner_joined\""
        );
    }
}
