//! A panel's draft and where it stands: its versions, the version out for signature and its
//! signing round, the signatures, change requests, the coordinator's sign-off, the approved
//! text and its corrections, a withdrawal. The rules that move it on are here, without I/O.

use super::audit::Head;
use super::text::{BylineEntry, Text};
use chrono::{DateTime, Utc};
use rrm_contracts::{LanguageCode, PanelFormed, PanelMember, PipelineStage, Signatory};
use serde::{Deserialize, Serialize};
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
    /// When the current round was opened.
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// The version the latest round was opened for, kept after a newer version voided it: what
    /// signatories are shown the changes since.
    #[serde(default)]
    pub round_version: Option<String>,
    /// The op-ed's id, once approved.
    pub approved: Option<Uuid>,
    /// Members who accepted after the panel formed (`panel.cosigner_joined`): they are sent
    /// every version out for signature and may sign it, but the op-ed does not wait for them.
    #[serde(default)]
    pub cosigners: Vec<PanelMember>,
    /// Versions saved so far (the next one is numbered `versions + 1`).
    #[serde(default)]
    pub versions: u32,
    /// Every author signed the round's version; the coordinator's final sign-off is awaited.
    #[serde(default)]
    pub awaiting_signoff: bool,
    /// The text editors have: the approved version, then each correction.
    #[serde(default)]
    pub published: Option<Published>,
    /// A correction out for the authors' signatures, with its note for editors.
    #[serde(default)]
    pub correction: Option<String>,
    #[serde(default)]
    pub withdrawn: Option<Withdrawal>,
    /// "Change this" answers, every round's, oldest first.
    #[serde(default)]
    pub requests: Vec<ChangeRequest>,
    /// Stages intake's clock found overdue (`alert.stage_overdue`).
    #[serde(default)]
    pub overdue: Vec<Overdue>,
    /// The audit log's last entry.
    #[serde(default)]
    pub audit: Option<Head>,
}

/// The version editors have.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Published {
    pub version_hash: String,
    pub approved_at: DateTime<Utc>,
    pub signatories: Vec<Signatory>,
    /// Corrections published since the approval.
    pub corrections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Withdrawal {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeRequest {
    pub round: u32,
    pub version_hash: String,
    pub member_id: Uuid,
    pub name: String,
    pub comment: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Overdue {
    pub stage: PipelineStage,
    pub due_at: DateTime<Utc>,
}

/// Where a draft stands, for pages and the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No version saved yet.
    Writing,
    /// Versions saved, none out for signature.
    Editing,
    Signing,
    AwaitingSignoff,
    Approved,
    /// A correction of the approved text is out for the authors' signatures.
    Correcting,
    Withdrawn,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Self::Writing => "writing",
            Self::Editing => "editing",
            Self::Signing => "out for signature",
            Self::AwaitingSignoff => "awaiting the coordinator's sign-off",
            Self::Approved => "approved",
            Self::Correcting => "correction out for signature",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// What a complete set of signatures leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Not every author signed yet.
    Waiting,
    /// Every author signed; the coordinator's sign-off is required and not given.
    AwaitingSignoff,
    /// The op-ed is approved: `oped.approved`.
    Approve,
    /// The correction is signed: `oped.corrected`.
    Correct,
}

impl Draft {
    /// A new draft of `panel`, no version yet.
    pub fn open(panel: PanelFormed, cosigners: Vec<PanelMember>) -> Self {
        Self {
            draft_id: Uuid::now_v7(),
            panel,
            current: None,
            submitted: None,
            round: 0,
            submitted_at: None,
            round_version: None,
            approved: None,
            cosigners,
            versions: 0,
            awaiting_signoff: false,
            published: None,
            correction: None,
            withdrawn: None,
            requests: Vec::new(),
            overdue: Vec::new(),
            audit: None,
        }
    }

    pub fn stage(&self) -> Stage {
        if self.withdrawn.is_some() {
            Stage::Withdrawn
        } else if self.approved.is_some() {
            if self.correction.is_some() && self.submitted.is_some() {
                Stage::Correcting
            } else {
                Stage::Approved
            }
        } else if self.awaiting_signoff {
            Stage::AwaitingSignoff
        } else if self.submitted.is_some() {
            Stage::Signing
        } else if self.current.is_some() {
            Stage::Editing
        } else {
            Stage::Writing
        }
    }

    /// Authors may save versions until the op-ed is approved or withdrawn.
    pub fn open_to_authors(&self) -> bool {
        self.approved.is_none() && self.withdrawn.is_none()
    }

    /// A coordinator may correct or withdraw an approved op-ed, until it is withdrawn.
    pub fn open_to_corrections(&self) -> bool {
        self.approved.is_some() && self.withdrawn.is_none()
    }

    /// No signature can be given or withdrawn any more: withdrawn, or approved with no
    /// correction out for signature.
    pub fn closed_to_signatures(&self) -> bool {
        self.withdrawn.is_some() || (self.approved.is_some() && self.correction.is_none())
    }

    /// Who may sign: the authors, then the co-signers.
    pub fn signers(&self) -> impl Iterator<Item = &PanelMember> {
        self.panel.authors.iter().chain(&self.cosigners)
    }

    pub fn signer(&self, member_id: Uuid) -> Option<&PanelMember> {
        self.signers().find(|m| m.member_id == member_id)
    }

    pub fn is_author(&self, member_id: Uuid) -> bool {
        self.panel.authors.iter().any(|a| a.member_id == member_id)
    }

    pub fn author_ids(&self) -> Vec<Uuid> {
        self.panel.authors.iter().map(|a| a.member_id).collect()
    }

    /// Adds a co-signer once; whether they were new (an author is never a co-signer too).
    pub fn add_cosigner(&mut self, member: &PanelMember) -> bool {
        if self.signer(member.member_id).is_some() {
            return false;
        }
        self.cosigners.push(member.clone());
        true
    }

    /// The languages the op-ed may be written in: the drafting language, then the alert's.
    pub fn languages(&self, source: &LanguageCode) -> Vec<LanguageCode> {
        let mut all = vec![source.clone()];
        for l in &self.panel.languages {
            if !all.contains(l) {
                all.push(l.clone());
            }
        }
        all
    }

    /// Sends version `hash` out for signature: a new round, so no signature or link given
    /// before counts, even for this very text.
    pub fn open_round(&mut self, hash: &str, now: DateTime<Utc>) {
        self.submitted = Some(hash.to_owned());
        self.round_version = Some(hash.to_owned());
        self.round += 1;
        self.submitted_at = Some(now);
        self.awaiting_signoff = false;
    }

    /// A new text replaced the version out for signature: its signatures no longer count.
    /// Whether a round was open.
    pub fn void_round(&mut self) -> bool {
        self.awaiting_signoff = false;
        self.submitted.take().is_some()
    }

    /// What the round's signatures lead to.
    pub fn completion(&self, signed: &BTreeSet<Uuid>, signoff_required: bool) -> Completion {
        if !all_signed(&self.author_ids(), signed) {
            Completion::Waiting
        } else if signoff_required {
            Completion::AwaitingSignoff
        } else if self.approved.is_some() {
            Completion::Correct
        } else {
            Completion::Approve
        }
    }

    /// What the coordinator's sign-off leads to (it is given only once every author signed).
    pub fn signed_off(&self) -> Completion {
        if self.approved.is_some() {
            Completion::Correct
        } else {
            Completion::Approve
        }
    }

    /// The signatories of a signed version: every author in the panel's order, then the
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

    /// The change requests of the current round.
    pub fn open_requests(&self) -> impl Iterator<Item = &ChangeRequest> {
        self.requests.iter().filter(move |r| r.round == self.round)
    }

    /// Records that `stage` ran past its budget; whether it was new.
    pub fn mark_overdue(&mut self, stage: PipelineStage, due_at: DateTime<Utc>) -> bool {
        if self.overdue.iter().any(|o| o.stage == stage) {
            return false;
        }
        self.overdue.push(Overdue { stage, due_at });
        true
    }
}

/// One saved text of a draft, immutable, identified by its hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    pub hash: String,
    /// 1 for the first version of the draft.
    #[serde(default)]
    pub number: u32,
    pub title: String,
    #[serde(default)]
    pub standfirst: String,
    pub body: String,
    #[serde(default = "english")]
    pub language: LanguageCode,
    #[serde(default)]
    pub byline: Vec<BylineEntry>,
    /// The author who saved it; `None` for a coordinator's correction.
    pub author_id: Option<Uuid>,
    /// Who saved it, as the history shows them.
    #[serde(default)]
    pub saved_by: String,
    pub created_at: DateTime<Utc>,
    pub parent: Option<String>,
    /// A coordinator's correction of the approved text.
    #[serde(default)]
    pub correction: bool,
}

fn english() -> LanguageCode {
    LanguageCode::parse("en").unwrap_or_else(|_| unreachable!("\"en\" is a language code"))
}

impl Version {
    pub fn text(&self) -> Text {
        Text {
            title: self.title.clone(),
            standfirst: self.standfirst.clone(),
            body: self.body.clone(),
            language: self.language.clone(),
        }
    }
}

/// The signatures given to one version in one signing round, in the order given.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Signatures(pub Vec<Signatory>);

impl Signatures {
    pub fn members(&self) -> BTreeSet<Uuid> {
        self.0.iter().map(|s| s.member_id).collect()
    }

    /// Takes `member`'s signature back; whether there was one.
    pub fn withdraw(&mut self, member: Uuid) -> bool {
        let before = self.0.len();
        self.0.retain(|s| s.member_id != member);
        self.0.len() != before
    }
}

/// Whether every author signed: signatures are kept per signing round, so a new submission
/// starts from none — that is how a new version voids all signatures.
pub fn all_signed(authors: &[Uuid], signed: &BTreeSet<Uuid>) -> bool {
    !authors.is_empty() && authors.iter().all(|a| signed.contains(a))
}

/// Whether a signing link for version `hash` sent in round `link_round` may still act: only
/// while that very submission is out for signature. A newer version (saved or submitted) or a
/// new submission of any text, even this one, voids it.
pub fn signable(submitted: Option<&str>, round: u32, hash: &str, link_round: u32) -> bool {
    submitted == Some(hash) && round == link_round
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

pub const MAX_COMMENT: usize = 2_000;

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

    fn draft(authors: &[&PanelMember]) -> Draft {
        Draft::open(
            PanelFormed {
                alert_id: Uuid::now_v7(),
                panel_id: Uuid::now_v7(),
                title: "t".into(),
                summary: "s".into(),
                languages: vec![LanguageCode::parse("fr").unwrap()],
                deadline: Utc::now(),
                authors: authors.iter().map(|a| (*a).clone()).collect(),
            },
            vec![],
        )
    }

    fn sign(m: &PanelMember) -> Signatory {
        Signatory {
            member_id: m.member_id,
            name: m.name.clone(),
            line: m.line.clone(),
            signs_as: m.signs_as.clone(),
            signed_at: Utc::now(),
        }
    }

    #[test]
    fn cosigners_sign_after_the_authors_and_the_op_ed_does_not_wait_for_them() {
        let (a, b, c) = (member("a"), member("b"), member("c"));
        let mut draft = draft(&[&a, &b]);
        assert!(draft.add_cosigner(&c));
        assert!(!draft.add_cosigner(&c), "once");
        assert!(!draft.add_cosigner(&a), "an author is not a co-signer");
        let signatures = Signatures(vec![sign(&c), sign(&b), sign(&a)]);
        assert_eq!(
            draft.completion(&signatures.members(), false),
            Completion::Approve
        );
        let names: Vec<String> = draft
            .signatories(&signatures)
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        let without_c = Signatures(vec![sign(&b), sign(&a)]);
        assert_eq!(draft.signatories(&without_c).len(), 2);
        let only_c = Signatures(vec![sign(&c), sign(&a)]);
        assert_eq!(
            draft.completion(&only_c.members(), false),
            Completion::Waiting
        );
    }

    #[test]
    fn a_new_round_voids_the_last_and_its_links() {
        let a = member("a");
        let mut draft = draft(&[&a]);
        let (h1, h2) = ("a".repeat(64), "b".repeat(64));
        draft.open_round(&h1, Utc::now());
        assert_eq!(draft.stage(), Stage::Signing);
        assert!(signable(draft.submitted.as_deref(), draft.round, &h1, 1));
        // A new version saved without submitting: nothing is out for signature.
        assert!(draft.void_round());
        assert!(!signable(draft.submitted.as_deref(), draft.round, &h1, 1));
        draft.current = Some(h1.clone());
        assert_eq!(draft.stage(), Stage::Editing);
        // The same text submitted again: links of round 1 are void.
        draft.open_round(&h1, Utc::now());
        assert!(!signable(draft.submitted.as_deref(), draft.round, &h1, 1));
        assert!(signable(draft.submitted.as_deref(), draft.round, &h1, 2));
        draft.open_round(&h2, Utc::now());
        assert!(!signable(draft.submitted.as_deref(), draft.round, &h1, 2));
    }

    #[test]
    fn the_final_sign_off_comes_after_every_author_and_before_approval() {
        let (a, b) = (member("a"), member("b"));
        let mut draft = draft(&[&a, &b]);
        let both = Signatures(vec![sign(&a), sign(&b)]).members();
        assert_eq!(draft.completion(&both, true), Completion::AwaitingSignoff);
        assert_eq!(draft.signed_off(), Completion::Approve);
        draft.approved = Some(Uuid::now_v7());
        assert_eq!(draft.stage(), Stage::Approved);
        assert!(draft.closed_to_signatures());
        assert!(!draft.open_to_authors());
        draft.correction = Some("a date".into());
        draft.open_round(&"c".repeat(64), Utc::now());
        assert_eq!(draft.stage(), Stage::Correcting);
        assert!(!draft.closed_to_signatures());
        assert_eq!(draft.completion(&both, false), Completion::Correct);
        draft.withdrawn = Some(Withdrawal {
            at: Utc::now(),
            by: "coordinator".into(),
            reason: "r".into(),
        });
        assert_eq!(draft.stage(), Stage::Withdrawn);
        assert!(draft.closed_to_signatures());
        assert!(!draft.open_to_corrections());
    }

    #[test]
    fn a_withdrawn_signature_no_longer_counts() {
        let (a, b) = (member("a"), member("b"));
        let draft = draft(&[&a, &b]);
        let mut signatures = Signatures(vec![sign(&a), sign(&b)]);
        assert!(signatures.withdraw(a.member_id));
        assert!(!signatures.withdraw(a.member_id), "once");
        assert_eq!(
            draft.completion(&signatures.members(), false),
            Completion::Waiting
        );
    }

    #[test]
    fn the_op_ed_may_be_written_in_the_drafting_language_or_the_alerts() {
        let a = member("a");
        let draft = draft(&[&a]);
        let en = LanguageCode::parse("en").unwrap();
        let codes: Vec<String> = draft.languages(&en).iter().map(|l| l.to_string()).collect();
        assert_eq!(codes, ["en", "fr"]);
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
    fn an_overdue_stage_is_recorded_once() {
        let a = member("a");
        let mut draft = draft(&[&a]);
        assert!(draft.mark_overdue(PipelineStage::Signatures, Utc::now()));
        assert!(!draft.mark_overdue(PipelineStage::Signatures, Utc::now()));
        assert!(draft.mark_overdue(PipelineStage::Drafting, Utc::now()));
    }
}
