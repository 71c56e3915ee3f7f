//! Each step of drafting, inside the caller's transaction, so that a step's records, events,
//! e-mails and audit entries are durable together or not at all: saving a version (refused when
//! based on a version that is no longer the latest), sending it out for signature, signing,
//! withdrawing a signature, asking for changes, the coordinator's sign-off, approval with its
//! signature manifest, corrections and withdrawal of the op-ed, reminders. The pages, the
//! console and the clock call these; the rules they apply are in [`crate::domain`].

use crate::domain::audit::Action;
use crate::domain::manifest::{self, Manifest, ManifestSignatory};
use crate::domain::{
    ChangeRequest, Completion, Draft, Published, Signatures, Text, Version, Withdrawal, signable,
    text,
};
use crate::settings::Corrections;
use crate::store::{self, Reminder, StoredManifest};
use crate::{Drafting, SERVICE};
use base64::Engine;
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, Tx, TxResult, abort};
use rrm_contracts::{
    ChangesRequested, DraftSubmitted, DraftVersionCreated, Envelope, Event, OpedApproved,
    OpedCorrected, OpedWithdrawn, PanelMember, Signatory, SignatureRecorded, SignatureWithdrawn,
    SignaturesReminded, SignedManifest,
};
use uuid::Uuid;

/// Who acts, as the audit log and the history name them.
#[derive(Debug, Clone)]
pub enum Actor {
    Member(PanelMember),
    Coordinator(String),
    /// Drafting itself: its reminders, an approval once every author signed.
    Clock,
}

impl Actor {
    fn label(&self, draft: &Draft) -> String {
        match self {
            Self::Member(m) if draft.is_author(m.member_id) => format!("{} (author)", m.name),
            Self::Member(m) => format!("{} (co-signer)", m.name),
            Self::Coordinator(name) => format!("coordinator {name}"),
            Self::Clock => "drafting".into(),
        }
    }
}

/// What saving a version came to.
#[derive(Debug)]
pub enum Saved {
    /// Approved or withdrawn: authors can no longer edit.
    Closed,
    /// Based on a version that is no longer the latest: nothing saved.
    Conflict {
        base: Option<String>,
        current: String,
    },
    Version {
        hash: String,
        new: bool,
        submitted: bool,
        /// A version out for signature was replaced without this one being submitted.
        voided: bool,
    },
}

/// What a signatory's answer on the signing page came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// The link's round is no longer out for signature.
    Replaced,
    /// Approved (no correction out) or withdrawn: too late.
    Closed,
    AlreadySigned,
    NotSigned,
    Signed(Completion),
    Withdrawn,
    ChangesRequested {
        /// Their signature was taken back with it.
        unsigned: bool,
    },
}

/// What a coordinator's action in the console came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    Done,
    /// The draft is not in a state that allows it (said in words).
    Refused(&'static str),
    Unchanged,
}

/// Who a signature manifest says signed: the signatories, the coordinator who signed off, and
/// on a correction the version it replaces.
struct Attestation<'a> {
    signatories: &'a [Signatory],
    signed_off_by: Option<&'a str>,
    corrects: Option<&'a str>,
}

fn load(tx: &Tx<'_>, draft_id: Uuid) -> TxResult<Draft, HandleError> {
    store::draft_in(tx, draft_id)?
        .ok_or_else(|| abort(HandleError::Permanent("draft vanished".into())))
}

fn load_version(tx: &Tx<'_>, draft: Uuid, hash: &str) -> TxResult<Version, HandleError> {
    store::version_in(tx, draft, hash)?
        .ok_or_else(|| abort(HandleError::Permanent("version vanished".into())))
}

fn emit(tx: &Tx<'_>, draft: &Draft, event: Event) -> TxResult<(), HandleError> {
    tx.emit(&Envelope::new(
        &event,
        SERVICE,
        Some(draft.panel.alert_id),
        None,
    ))?;
    Ok(())
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

impl Drafting {
    fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    fn audit(
        &self,
        tx: &Tx<'_>,
        draft: &mut Draft,
        actor: &Actor,
        action: Action,
        version: Option<&str>,
        detail: &str,
    ) -> TxResult<(), HandleError> {
        let label = actor.label(draft);
        store::audit(tx, draft, self.now(), &label, action, version, detail)?;
        Ok(())
    }

    /// Stores `text` as a new version of `draft` (unless it is the current one already), voiding
    /// the round out for signature. Returns the hash, whether it was new and whether a round
    /// was voided.
    fn store_version(
        &self,
        tx: &Tx<'_>,
        draft: &mut Draft,
        text: &Text,
        actor: &Actor,
        correction: bool,
    ) -> TxResult<(String, bool, Option<String>), HandleError> {
        let byline = text::byline(&draft.panel.authors);
        let hash = text::version_hash(text, &byline);
        if draft.current.as_deref() == Some(hash.as_str()) {
            return Ok((hash, false, None));
        }
        let voided = draft.submitted.clone().filter(|_| draft.void_round());
        let author_id = match actor {
            Actor::Member(m) => Some(m.member_id),
            _ => None,
        };
        // The same text saved again later (an undo) keeps its first record: versions never change.
        let number = match store::version_in(tx, draft.draft_id, &hash)? {
            Some(v) => v.number,
            None => {
                draft.versions += 1;
                let version = Version {
                    hash: hash.clone(),
                    number: draft.versions,
                    title: text.title.clone(),
                    standfirst: text.standfirst.clone(),
                    body: text.body.clone(),
                    language: text.language.clone(),
                    byline,
                    author_id,
                    saved_by: actor.label(draft),
                    created_at: self.now(),
                    parent: draft.current.clone(),
                    correction,
                };
                store::put_version(tx, draft.draft_id, &version)?;
                version.number
            }
        };
        draft.current = Some(hash.clone());
        emit(
            tx,
            draft,
            Event::DraftVersionCreated(DraftVersionCreated {
                alert_id: draft.panel.alert_id,
                draft_id: draft.draft_id,
                version_hash: hash.clone(),
                author_id,
            }),
        )?;
        let action = if correction {
            Action::CorrectionSaved
        } else {
            Action::VersionSaved
        };
        self.audit(
            tx,
            draft,
            actor,
            action,
            Some(&hash),
            &format!("version {number}"),
        )?;
        if let Some(old) = &voided {
            self.audit(
                tx,
                draft,
                actor,
                Action::SignaturesVoided,
                Some(old),
                &format!(
                    "round {}: version {} was replaced by {}",
                    draft.round,
                    short(old),
                    short(&hash)
                ),
            )?;
        }
        Ok((hash, true, voided))
    }

    /// An author or a coordinator saves `text` (and submits it for signature), based on
    /// version `base`.
    pub(crate) fn save(
        &self,
        tx: &Tx<'_>,
        draft_id: Uuid,
        actor: &Actor,
        text: &Text,
        base: Option<&str>,
        submit: bool,
    ) -> TxResult<Saved, HandleError> {
        let mut draft = load(tx, draft_id)?;
        if !draft.open_to_authors() {
            return Ok(Saved::Closed);
        }
        let byline = text::byline(&draft.panel.authors);
        let hash = text::version_hash(text, &byline);
        // Saving on top of a version someone else saved meanwhile would silently drop theirs.
        if let Some(current) = &draft.current
            && *current != hash
            && base != Some(current.as_str())
        {
            return Ok(Saved::Conflict {
                base: base.map(str::to_owned),
                current: current.clone(),
            });
        }
        let (hash, new, voided) = self.store_version(tx, &mut draft, text, actor, false)?;
        let submitted = submit && draft.submitted.as_deref() != Some(hash.as_str());
        if submitted {
            self.send_for_signature(tx, &mut draft, &hash, actor)?;
        } else if let Some(old) = &voided {
            self.tell_signatures_voided(tx, &draft, old, &hash)?;
        }
        store::put_draft(tx, &draft)?;
        Ok(Saved::Version {
            hash,
            new,
            submitted,
            voided: voided.is_some() && !submitted,
        })
    }

    /// Opens a signing round for version `hash`: every signer is sent a link bound to it (with
    /// what changed since the last round), the reminders are set, `draft.submitted` is said.
    fn send_for_signature(
        &self,
        tx: &Tx<'_>,
        draft: &mut Draft,
        hash: &str,
        actor: &Actor,
    ) -> TxResult<(), HandleError> {
        // Signatories are shown what changed since the text they were last asked to sign.
        let previous = match draft.round_version.clone() {
            Some(h) if h != hash => store::version_in(tx, draft.draft_id, &h)?,
            _ => None,
        };
        let now = self.now();
        draft.open_round(hash, now);
        let version = load_version(tx, draft.draft_id, hash)?;
        for signer in draft.signers() {
            self.mail_sign_request(tx, draft, &version, signer, previous.as_ref())?;
        }
        for (i, after) in self.settings.reminders().into_iter().enumerate() {
            store::set_reminder(
                tx,
                &Reminder {
                    due: now + after,
                    draft_id: draft.draft_id,
                    round: draft.round,
                    number: u8::try_from(i + 1).unwrap_or(u8::MAX),
                },
            )?;
        }
        emit(
            tx,
            draft,
            Event::DraftSubmitted(DraftSubmitted {
                alert_id: draft.panel.alert_id,
                draft_id: draft.draft_id,
                version_hash: hash.to_owned(),
                round: draft.round,
                signatories: draft.panel.authors.len() as u32,
            }),
        )?;
        let detail = format!(
            "round {}: version {} sent to {} signatories",
            draft.round,
            version.number,
            draft.signers().count()
        );
        self.audit(tx, draft, actor, Action::Submitted, Some(hash), &detail)?;
        Ok(())
    }

    /// Tells those who had signed the voided round's version that their signature no longer
    /// counts, with what changed.
    fn tell_signatures_voided(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        old: &str,
        new: &str,
    ) -> TxResult<(), HandleError> {
        let signed = store::signatures_in(tx, draft.draft_id, draft.round, old)?;
        if signed.0.is_empty() {
            return Ok(());
        }
        let (old_v, new_v) = (
            load_version(tx, draft.draft_id, old)?,
            load_version(tx, draft.draft_id, new)?,
        );
        for s in &signed.0 {
            if let Some(member) = draft.signer(s.member_id) {
                self.mail_voided(tx, draft, &old_v, &new_v, member)?;
            }
        }
        Ok(())
    }

    /// A signatory co-signs version `hash` with a link of round `round`.
    pub(crate) fn sign(
        &self,
        tx: &Tx<'_>,
        draft_id: Uuid,
        member: &PanelMember,
        hash: &str,
        round: u32,
    ) -> TxResult<Answered, HandleError> {
        let mut draft = load(tx, draft_id)?;
        let mut signatures = store::signatures_in(tx, draft.draft_id, round, hash)?;
        let signed = signatures.members().contains(&member.member_id);
        // Links stay open after approval: a signatory of the approved round is told their
        // signature counts; anyone else (a late co-signer) that it is too late to be named.
        if draft.closed_to_signatures() {
            return Ok(
                if signed && round == draft.round && draft.withdrawn.is_none() {
                    Answered::AlreadySigned
                } else {
                    Answered::Closed
                },
            );
        }
        if !signable(draft.submitted.as_deref(), draft.round, hash, round) {
            return Ok(Answered::Replaced);
        }
        if signed {
            return Ok(Answered::AlreadySigned);
        }
        signatures.0.push(Signatory {
            member_id: member.member_id,
            name: member.name.clone(),
            line: member.line.clone(),
            signs_as: member.signs_as.clone(),
            signed_at: self.now(),
        });
        store::put_signatures(tx, draft.draft_id, round, hash, &signatures)?;
        emit(
            tx,
            &draft,
            Event::SignatureRecorded(SignatureRecorded {
                alert_id: draft.panel.alert_id,
                draft_id: draft.draft_id,
                version_hash: hash.to_owned(),
                member_id: member.member_id,
            }),
        )?;
        let actor = Actor::Member(member.clone());
        self.audit(
            tx,
            &mut draft,
            &actor,
            Action::Signed,
            Some(hash),
            &format!("round {round}"),
        )?;
        let completion = if draft.awaiting_signoff {
            // A co-signer signing while the coordinator's sign-off is awaited.
            Completion::AwaitingSignoff
        } else {
            draft.completion(&signatures.members(), self.settings.final_signoff)
        };
        self.complete(tx, &mut draft, completion, &signatures, None)?;
        store::put_draft(tx, &draft)?;
        Ok(Answered::Signed(completion))
    }

    /// Moves the draft on once its round is complete.
    fn complete(
        &self,
        tx: &Tx<'_>,
        draft: &mut Draft,
        completion: Completion,
        signatures: &Signatures,
        signed_off_by: Option<&str>,
    ) -> TxResult<(), HandleError> {
        match completion {
            Completion::Waiting => Ok(()),
            Completion::AwaitingSignoff => {
                draft.awaiting_signoff = true;
                Ok(())
            }
            Completion::Approve => self.approve(tx, draft, signatures, signed_off_by),
            Completion::Correct => {
                let note = draft.correction.clone().unwrap_or_default();
                let signatories = draft.signatories(signatures);
                self.publish_correction(tx, draft, &note, signatories, signed_off_by, false)
            }
        }
    }

    /// Signs the manifest of `version` and stores it where it is published.
    fn sign_manifest(
        &self,
        tx: &Tx<'_>,
        draft: &Draft,
        oped_id: Uuid,
        version: &Version,
        who: Attestation<'_>,
    ) -> TxResult<SignedManifest, HandleError> {
        let Attestation {
            signatories,
            signed_off_by,
            corrects,
        } = who;
        let manifest = Manifest {
            format: manifest::FORMAT.into(),
            oped_id,
            alert_id: draft.panel.alert_id,
            version_hash: version.hash.clone(),
            title: version.title.clone(),
            language: version.language.to_string(),
            signatories: signatories
                .iter()
                .map(|s| ManifestSignatory {
                    name: s.name.clone(),
                    title: s.signs_as.clone(),
                    line: s.line.clone(),
                    role: if draft.is_author(s.member_id) {
                        "author".into()
                    } else {
                        "co-signer".into()
                    },
                    signed_at: s.signed_at,
                })
                .collect(),
            signed_off_by: signed_off_by.map(str::to_owned),
            corrects: corrects.map(str::to_owned),
            approved_at: self.now(),
            key_id: self.key.id().to_owned(),
        };
        let bytes = manifest.to_bytes();
        let signature = base64::engine::general_purpose::STANDARD.encode(self.key.sign(&bytes));
        let json = String::from_utf8(bytes)
            .map_err(|e| abort(HandleError::Permanent(format!("manifest: {e}"))))?;
        store::put_manifest(
            tx,
            oped_id,
            &version.hash,
            &StoredManifest {
                manifest: json.clone(),
                signature: signature.clone(),
            },
        )?;
        Ok(SignedManifest {
            manifest: json,
            signature,
            key_id: self.key.id().to_owned(),
            url: format!(
                "{}/manifests/{oped_id}/{}.json",
                self.public_url, version.hash
            ),
            public_key_url: format!("{}/keys/{}.pem", self.public_url, self.key.id()),
        })
    }

    /// Every author signed (and the coordinator signed off): `oped.approved`.
    fn approve(
        &self,
        tx: &Tx<'_>,
        draft: &mut Draft,
        signatures: &Signatures,
        signed_off_by: Option<&str>,
    ) -> TxResult<(), HandleError> {
        let Some(hash) = draft.submitted.clone() else {
            return Ok(());
        };
        let version = load_version(tx, draft.draft_id, &hash)?;
        let oped_id = Uuid::now_v7();
        let signatories = draft.signatories(signatures);
        let manifest = self.sign_manifest(
            tx,
            draft,
            oped_id,
            &version,
            Attestation {
                signatories: &signatories,
                signed_off_by,
                corrects: None,
            },
        )?;
        draft.approved = Some(oped_id);
        // The round is complete: a correction opens a new one.
        draft.submitted = None;
        draft.awaiting_signoff = false;
        draft.published = Some(Published {
            version_hash: hash.clone(),
            approved_at: self.now(),
            signatories: signatories.clone(),
            corrections: 0,
        });
        emit(
            tx,
            draft,
            Event::OpedApproved(OpedApproved {
                alert_id: draft.panel.alert_id,
                oped_id,
                title: version.title.clone(),
                standfirst: version.standfirst.clone(),
                body: version.body.clone(),
                source_language: version.language.clone(),
                target_languages: draft.panel.languages.clone(),
                version_hash: hash.clone(),
                signatories: signatories.clone(),
                embargo_until: None,
                manifest: Some(manifest),
            }),
        )?;
        let actor = match signed_off_by {
            Some(name) => Actor::Coordinator(name.to_owned()),
            None => Actor::Clock,
        };
        let names: Vec<&str> = signatories.iter().map(|s| s.name.as_str()).collect();
        self.audit(
            tx,
            draft,
            &actor,
            Action::Approved,
            Some(&hash),
            &format!("op-ed {oped_id}, signed by {}", names.join(", ")),
        )?;
        Ok(())
    }

    /// A correction reaches editors: `oped.corrected` with its manifest.
    fn publish_correction(
        &self,
        tx: &Tx<'_>,
        draft: &mut Draft,
        note: &str,
        signatories: Vec<Signatory>,
        signed_off_by: Option<&str>,
        notify: bool,
    ) -> TxResult<(), HandleError> {
        let (Some(oped_id), Some(published), Some(hash)) = (
            draft.approved,
            draft.published.clone(),
            draft.current.clone(),
        ) else {
            return Ok(());
        };
        let version = load_version(tx, draft.draft_id, &hash)?;
        let manifest = self.sign_manifest(
            tx,
            draft,
            oped_id,
            &version,
            Attestation {
                signatories: &signatories,
                signed_off_by,
                corrects: Some(&published.version_hash),
            },
        )?;
        if notify {
            let old = load_version(tx, draft.draft_id, &published.version_hash)?;
            for s in &published.signatories {
                if let Some(member) = draft.signer(s.member_id) {
                    self.mail_corrected(tx, draft, &old, &version, note, member)?;
                }
            }
        }
        draft.published = Some(Published {
            version_hash: hash.clone(),
            approved_at: self.now(),
            signatories: signatories.clone(),
            corrections: published.corrections + 1,
        });
        draft.correction = None;
        draft.submitted = None;
        draft.awaiting_signoff = false;
        emit(
            tx,
            draft,
            Event::OpedCorrected(OpedCorrected {
                alert_id: draft.panel.alert_id,
                oped_id,
                title: version.title.clone(),
                standfirst: version.standfirst.clone(),
                body: version.body.clone(),
                version_hash: hash.clone(),
                note: note.to_owned(),
                signatories,
                manifest: Some(manifest),
            }),
        )?;
        let actor = match signed_off_by {
            Some(name) => Actor::Coordinator(name.to_owned()),
            None => Actor::Clock,
        };
        self.audit(tx, draft, &actor, Action::Corrected, Some(&hash), note)?;
        Ok(())
    }

    /// A signatory takes their signature of version `hash` back, before approval.
    pub(crate) fn withdraw_signature(
        &self,
        tx: &Tx<'_>,
        draft_id: Uuid,
        member: &PanelMember,
        hash: &str,
        round: u32,
    ) -> TxResult<Answered, HandleError> {
        let mut draft = load(tx, draft_id)?;
        if draft.closed_to_signatures() {
            return Ok(Answered::Closed);
        }
        if !signable(draft.submitted.as_deref(), draft.round, hash, round) {
            return Ok(Answered::Replaced);
        }
        if !self.unsign(tx, &mut draft, member, hash, round)? {
            return Ok(Answered::NotSigned);
        }
        store::put_draft(tx, &draft)?;
        Ok(Answered::Withdrawn)
    }

    /// Removes `member`'s signature of the round; whether there was one.
    fn unsign(
        &self,
        tx: &Tx<'_>,
        draft: &mut Draft,
        member: &PanelMember,
        hash: &str,
        round: u32,
    ) -> TxResult<bool, HandleError> {
        let mut signatures = store::signatures_in(tx, draft.draft_id, round, hash)?;
        if !signatures.withdraw(member.member_id) {
            return Ok(false);
        }
        store::put_signatures(tx, draft.draft_id, round, hash, &signatures)?;
        if draft.is_author(member.member_id) {
            draft.awaiting_signoff = false;
        }
        emit(
            tx,
            draft,
            Event::SignatureWithdrawn(SignatureWithdrawn {
                alert_id: draft.panel.alert_id,
                draft_id: draft.draft_id,
                version_hash: hash.to_owned(),
                member_id: member.member_id,
                name: member.name.clone(),
            }),
        )?;
        let actor = Actor::Member(member.clone());
        self.audit(
            tx,
            draft,
            &actor,
            Action::SignatureWithdrawn,
            Some(hash),
            &format!("round {round}"),
        )?;
        Ok(true)
    }

    /// A signatory answers version `hash` with "change this" (taking back their signature, if
    /// they had signed). The authors are e-mailed the comment.
    pub(crate) fn request_changes(
        &self,
        tx: &Tx<'_>,
        draft_id: Uuid,
        member: &PanelMember,
        hash: &str,
        round: u32,
        comment: &str,
    ) -> TxResult<Answered, HandleError> {
        let mut draft = load(tx, draft_id)?;
        if draft.closed_to_signatures() {
            return Ok(Answered::Closed);
        }
        if !signable(draft.submitted.as_deref(), draft.round, hash, round) {
            return Ok(Answered::Replaced);
        }
        let unsigned = self.unsign(tx, &mut draft, member, hash, round)?;
        let request = ChangeRequest {
            round,
            version_hash: hash.to_owned(),
            member_id: member.member_id,
            name: member.name.clone(),
            comment: comment.to_owned(),
            at: self.now(),
        };
        draft.requests.push(request.clone());
        emit(
            tx,
            &draft,
            Event::ChangesRequested(ChangesRequested {
                alert_id: draft.panel.alert_id,
                draft_id: draft.draft_id,
                version_hash: hash.to_owned(),
                member_id: member.member_id,
                name: member.name.clone(),
                comment: comment.to_owned(),
            }),
        )?;
        let actor = Actor::Member(member.clone());
        self.audit(
            tx,
            &mut draft,
            &actor,
            Action::ChangesRequested,
            Some(hash),
            comment,
        )?;
        let number = draft.requests.len();
        for author in draft
            .panel
            .authors
            .iter()
            .filter(|a| a.member_id != member.member_id)
        {
            self.mail_changes_requested(tx, &draft, &request, number, author)?;
        }
        store::put_draft(tx, &draft)?;
        Ok(Answered::ChangesRequested { unsigned })
    }

    /// The coordinator's final sign-off of version `hash`, the one they were shown.
    pub(crate) fn sign_off(
        &self,
        tx: &Tx<'_>,
        draft_id: Uuid,
        coordinator: &str,
        hash: &str,
    ) -> TxResult<Decided, HandleError> {
        let mut draft = load(tx, draft_id)?;
        if !draft.awaiting_signoff || draft.withdrawn.is_some() {
            return Ok(Decided::Refused(
                "This draft is not waiting for a sign-off: not every author has signed the version out for signature.",
            ));
        }
        if draft.submitted.as_deref() != Some(hash) {
            return Ok(Decided::Refused(
                "The version out for signature changed since this page was shown. Read it again before signing off.",
            ));
        }
        let signatures = store::signatures_in(tx, draft.draft_id, draft.round, hash)?;
        let actor = Actor::Coordinator(coordinator.to_owned());
        let detail = format!("round {}", draft.round);
        self.audit(
            tx,
            &mut draft,
            &actor,
            Action::SignedOff,
            Some(hash),
            &detail,
        )?;
        let completion = draft.signed_off();
        self.complete(tx, &mut draft, completion, &signatures, Some(coordinator))?;
        store::put_draft(tx, &draft)?;
        Ok(Decided::Done)
    }

    /// A coordinator corrects the approved op-ed: a new version which, as configured, the
    /// authors sign again or which is published at once, its signatories told.
    pub(crate) fn correct(
        &self,
        tx: &Tx<'_>,
        draft_id: Uuid,
        coordinator: &str,
        text: &Text,
        note: &str,
    ) -> TxResult<Decided, HandleError> {
        let mut draft = load(tx, draft_id)?;
        if !draft.open_to_corrections() {
            return Ok(Decided::Refused(
                "Only an approved op-ed that was not withdrawn can be corrected.",
            ));
        }
        let published = draft.published.clone().map(|p| p.version_hash);
        let byline = text::byline(&draft.panel.authors);
        if published.as_deref() == Some(text::version_hash(text, &byline).as_str()) {
            return Ok(Decided::Unchanged);
        }
        let actor = Actor::Coordinator(coordinator.to_owned());
        let (hash, _, _) = self.store_version(tx, &mut draft, text, &actor, true)?;
        match self.settings.corrections {
            Corrections::Resign => {
                draft.correction = Some(note.to_owned());
                self.send_for_signature(tx, &mut draft, &hash, &actor)?;
            }
            Corrections::Notify => {
                let signatories = draft
                    .published
                    .as_ref()
                    .map(|p| p.signatories.clone())
                    .unwrap_or_default();
                self.publish_correction(
                    tx,
                    &mut draft,
                    note,
                    signatories,
                    Some(coordinator),
                    true,
                )?;
            }
        }
        store::put_draft(tx, &draft)?;
        Ok(Decided::Done)
    }

    /// A coordinator withdraws the approved op-ed: `oped.withdrawn`, its signatories told.
    pub(crate) fn withdraw(
        &self,
        tx: &Tx<'_>,
        draft_id: Uuid,
        coordinator: &str,
        reason: &str,
    ) -> TxResult<Decided, HandleError> {
        let mut draft = load(tx, draft_id)?;
        let (true, Some(oped_id)) = (draft.open_to_corrections(), draft.approved) else {
            return Ok(Decided::Refused(
                "Only an approved op-ed that was not withdrawn already can be withdrawn.",
            ));
        };
        draft.void_round();
        draft.correction = None;
        draft.withdrawn = Some(Withdrawal {
            at: self.now(),
            by: coordinator.to_owned(),
            reason: reason.to_owned(),
        });
        emit(
            tx,
            &draft,
            Event::OpedWithdrawn(OpedWithdrawn {
                alert_id: draft.panel.alert_id,
                oped_id,
                reason: reason.to_owned(),
            }),
        )?;
        let actor = Actor::Coordinator(coordinator.to_owned());
        let hash = draft.published.as_ref().map(|p| p.version_hash.clone());
        self.audit(
            tx,
            &mut draft,
            &actor,
            Action::Withdrawn,
            hash.as_deref(),
            reason,
        )?;
        let signatories = draft
            .published
            .as_ref()
            .map(|p| p.signatories.clone())
            .unwrap_or_default();
        let title = match &hash {
            Some(h) => load_version(tx, draft.draft_id, h)?.title,
            None => draft.panel.title.clone(),
        };
        for s in &signatories {
            if let Some(member) = draft.signer(s.member_id) {
                self.mail_withdrawn(tx, &draft, &title, reason, member)?;
            }
        }
        store::put_draft(tx, &draft)?;
        Ok(Decided::Done)
    }

    /// A reminder came due: the authors who have not signed the round's version are reminded,
    /// if the round is still out for signature. Whether anyone was.
    pub(crate) fn remind(&self, tx: &Tx<'_>, reminder: &Reminder) -> TxResult<bool, HandleError> {
        store::remove_reminder(tx, reminder)?;
        let Some(mut draft) = store::draft_in(tx, reminder.draft_id)? else {
            return Ok(false);
        };
        let Some(hash) = draft.submitted.clone() else {
            return Ok(false);
        };
        if draft.round != reminder.round || draft.closed_to_signatures() || draft.awaiting_signoff {
            return Ok(false);
        }
        let signed = store::signatures_in(tx, draft.draft_id, draft.round, &hash)?.members();
        let silent: Vec<PanelMember> = draft
            .panel
            .authors
            .iter()
            .filter(|a| !signed.contains(&a.member_id))
            .cloned()
            .collect();
        if silent.is_empty() {
            return Ok(false);
        }
        let version = load_version(tx, draft.draft_id, &hash)?;
        for member in &silent {
            self.mail_reminder(tx, &draft, &version, member, reminder.number)?;
        }
        let names: Vec<String> = silent.iter().map(|m| m.name.clone()).collect();
        emit(
            tx,
            &draft,
            Event::SignaturesReminded(SignaturesReminded {
                alert_id: draft.panel.alert_id,
                draft_id: draft.draft_id,
                version_hash: hash.clone(),
                names: names.clone(),
            }),
        )?;
        self.audit(
            tx,
            &mut draft,
            &Actor::Clock,
            Action::Reminded,
            Some(&hash),
            &names.join(", "),
        )?;
        store::put_draft(tx, &draft)?;
        Ok(true)
    }
}
