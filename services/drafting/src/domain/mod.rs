//! Drafting rules and records, without I/O: what a version is, when signatures count, when an
//! op-ed is approved, what a link names.

pub mod audit;
pub mod diff;
pub mod manifest;

use chrono::{DateTime, Utc};
use rrm_contracts::{PanelFormed, PanelMember, Signatory};
use rrm_platform::FieldProblem;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The shared draft of one alert's panel.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Draft {
    pub draft_id: Uuid,
    pub panel: PanelFormed,
    /// Hash of the latest version.
    pub current: Option<String>,
    /// Hash of the version out for signature; `None` once a newer version replaced it.
    pub submitted: Option<String>,
    /// Signing round: counts submissions. Signatures, signing links and their mails belong to
    /// one round, so no signature or link outlives the submission it was given for.
    #[serde(default)]
    pub round: u32,
    pub approved: Option<Uuid>,
    /// Members who accepted after the panel formed (`panel.cosigner_joined`): they are sent
    /// every version out for signature and may sign it, but the op-ed does not wait for them.
    #[serde(default)]
    pub cosigners: Vec<PanelMember>,
}

impl Draft {
    /// Who may sign: the authors, then the co-signers.
    pub fn signers(&self) -> impl Iterator<Item = &PanelMember> {
        self.panel.authors.iter().chain(&self.cosigners)
    }

    /// Adds a co-signer once; whether they were new (an author is never a co-signer too).
    pub fn add_cosigner(&mut self, member: &PanelMember) -> bool {
        if self.signers().any(|s| s.member_id == member.member_id) {
            return false;
        }
        self.cosigners.push(member.clone());
        true
    }

    /// The signatories of an approved version: every author in the panel's order, then the
    /// co-signers who signed it, in the order they signed.
    pub fn signatories(&self, signatures: &Signatures) -> Vec<Signatory> {
        let find = |id: Uuid| signatures.0.iter().find(|s| s.member_id == id).cloned();
        let mut all: Vec<Signatory> = self
            .panel
            .authors
            .iter()
            .filter_map(|a| find(a.member_id))
            .collect();
        all.extend(
            signatures
                .0
                .iter()
                .filter(|s| self.cosigners.iter().any(|c| c.member_id == s.member_id))
                .cloned(),
        );
        all
    }
}

/// One saved text of a draft, immutable, identified by its hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    pub hash: String,
    pub title: String,
    pub body: String,
    pub author_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub parent: Option<String>,
}

/// The signatures given to one version in one signing round, in the order given.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Signatures(pub Vec<Signatory>);

impl Signatures {
    pub fn members(&self) -> BTreeSet<Uuid> {
        self.0.iter().map(|s| s.member_id).collect()
    }
}

/// A signing link's object: the draft and the round it was sent for.
pub fn signing_object(draft: Uuid, round: u32) -> String {
    format!("{draft}:{round}")
}

/// The draft and signing round a link's object names: `draft:round` for signing links, the
/// draft alone (round 0) for draft links and signing links sent before rounds existed.
pub fn link_object(object: &str) -> Option<(Uuid, u32)> {
    let (draft, round) = match object.split_once(':') {
        Some((draft, round)) => (draft, round.parse::<u32>().ok()?),
        None => (object, 0),
    };
    Some((Uuid::parse_str(draft).ok()?, round))
}

pub const MAX_TITLE: usize = 200;
pub const MAX_BODY: usize = 60_000;

/// Line endings normalised to LF and trailing whitespace trimmed, so the same text typed on any
/// system has the same hash.
pub fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// The text a version's hash covers: title, blank line, body.
pub fn canonical(title: &str, body: &str) -> String {
    format!("{title}\n\n{body}")
}

/// SHA-256 (hex) of the canonical text: the version's identity, and what a signature is bound to.
pub fn version_hash(title: &str, body: &str) -> String {
    hex::encode(Sha256::digest(canonical(title, body).as_bytes()))
}

/// Normalised `(title, body)` or every problem with them.
pub fn validate(title: &str, body: &str) -> Result<(String, String), Vec<FieldProblem>> {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let body = normalize(body);
    let mut errors = Vec::new();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        errors.push(FieldProblem {
            field: "title".into(),
            message: format!("must be 1 to {MAX_TITLE} characters"),
        });
    }
    if body.is_empty() || body.chars().count() > MAX_BODY {
        errors.push(FieldProblem {
            field: "body".into(),
            message: format!("must be 1 to {MAX_BODY} characters"),
        });
    }
    if errors.is_empty() {
        Ok((title, body))
    } else {
        Err(errors)
    }
}

/// Whether a signing link for version `hash` sent in round `link_round` may still sign: only
/// while that very submission is out for signature. A newer version (saved or submitted) or a
/// new submission of any text, even this one, voids it.
pub fn signable(submitted: Option<&str>, round: u32, hash: &str, link_round: u32) -> bool {
    submitted == Some(hash) && round == link_round
}

/// Whether every author signed: signatures are kept per signing round, so a new submission
/// starts from none — that is how a new version voids all signatures.
pub fn all_signed(authors: &[Uuid], signed: &BTreeSet<Uuid>) -> bool {
    !authors.is_empty() && authors.iter().all(|a| signed.contains(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str) -> PanelMember {
        PanelMember {
            member_id: Uuid::now_v7(),
            name: name.into(),
            email: rrm_contracts::EmailAddress::parse(&format!("{name}@x.org")).unwrap(),
            line: "muslim".into(),
            signs_as: String::new(),
        }
    }

    #[test]
    fn cosigners_sign_after_the_authors_and_the_op_ed_does_not_wait_for_them() {
        let (a, b, c) = (member("a"), member("b"), member("c"));
        let mut draft = Draft {
            draft_id: Uuid::now_v7(),
            panel: PanelFormed {
                alert_id: Uuid::now_v7(),
                panel_id: Uuid::now_v7(),
                title: "t".into(),
                summary: "s".into(),
                languages: vec![],
                deadline: Utc::now(),
                authors: vec![a.clone(), b.clone()],
            },
            current: None,
            submitted: None,
            round: 1,
            approved: None,
            cosigners: vec![],
        };
        assert!(draft.add_cosigner(&c));
        assert!(!draft.add_cosigner(&c), "once");
        assert!(!draft.add_cosigner(&a), "an author is not a co-signer");
        let sign = |m: &PanelMember| Signatory {
            member_id: m.member_id,
            name: m.name.clone(),
            line: m.line.clone(),
            signs_as: m.signs_as.clone(),
            signed_at: Utc::now(),
        };
        let signatures = Signatures(vec![sign(&c), sign(&b), sign(&a)]);
        let authors: Vec<Uuid> = draft.panel.authors.iter().map(|m| m.member_id).collect();
        assert!(all_signed(&authors, &signatures.members()));
        let names: Vec<String> = draft
            .signatories(&signatures)
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        let without_c = Signatures(vec![sign(&b), sign(&a)]);
        assert_eq!(draft.signatories(&without_c).len(), 2);
    }

    #[test]
    fn the_same_text_typed_anywhere_has_the_same_hash() {
        let (t1, b1) =
            validate(" Our  common ground ", "First line.  \r\nSecond line.\r\n").unwrap();
        let (t2, b2) = validate("Our common ground", "First line.\nSecond line.").unwrap();
        assert_eq!(version_hash(&t1, &b1), version_hash(&t2, &b2));
        assert_eq!(version_hash(&t1, &b1).len(), 64);
    }

    #[test]
    fn any_change_changes_the_hash() {
        assert_ne!(
            version_hash("T", "We stand together."),
            version_hash("T", "We stand together!")
        );
        assert_ne!(version_hash("T", "body"), version_hash("T2", "body"));
    }

    #[test]
    fn empty_or_huge_texts_are_refused() {
        let errors = validate("", &"x".repeat(MAX_BODY + 1)).unwrap_err();
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn approval_needs_every_author() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        let mut signed = BTreeSet::from([a]);
        assert!(!all_signed(&[a, b], &signed));
        signed.insert(b);
        assert!(all_signed(&[a, b], &signed));
        assert!(!all_signed(&[], &signed));
    }

    #[test]
    fn a_link_names_its_draft_and_signing_round() {
        let draft = Uuid::now_v7();
        assert_eq!(link_object(&signing_object(draft, 3)), Some((draft, 3)));
        assert_eq!(link_object(&draft.to_string()), Some((draft, 0)));
        assert_eq!(link_object(&format!("{draft}:x")), None);
        assert_eq!(link_object("not-a-draft"), None);
    }

    #[test]
    fn only_the_submission_out_for_signature_can_be_signed() {
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        assert!(signable(Some(&a), 1, &a, 1));
        // Another text is out for signature.
        assert!(!signable(Some(&b), 2, &a, 1));
        // A newer version was saved and nothing is out for signature.
        assert!(!signable(None, 1, &a, 1));
        // The same text was submitted again: links of the earlier round are void.
        assert!(!signable(Some(&a), 3, &a, 1));
    }
}
