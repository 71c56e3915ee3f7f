//! The pipeline's clock: an alert's five stages, projected from the events, each with its time
//! budget. No I/O: the handler feeds events in, the clock asks what is overdue at a given time.
//!
//! A stage starts when the one before it finishes (mobilisation when the alert is raised), and
//! is due its budget later — never after the alert's deadline. A stage still running when it is
//! due is **overdue**: the clock marks it once, and the alert shows it until the stage finishes.
//! Events are applied as they come: an event of a later stage finishes every stage before it
//! (a stage whose event never came is then shown as passed through at that moment), and nothing
//! that arrives after a cancellation reopens the alert.

use chrono::{DateTime, Duration, Utc};
use rrm_contracts::{Event, LanguageCode, TranslationMethod};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;
use uuid::Uuid;

pub use rrm_contracts::PipelineStage as Stage;

/// Each stage's budget: how long it may run before it is overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets([Duration; 5]);

impl Budgets {
    /// Budgets in pipeline order: mobilisation, drafting, signatures, translation, distribution.
    pub fn new(budgets: [Duration; 5]) -> Self {
        Self(budgets)
    }

    pub fn of(&self, stage: Stage) -> Duration {
        self.0[stage.index()]
    }

    /// The five budgets together: what a pipeline run on time takes at most.
    pub fn total(&self) -> Duration {
        self.0.iter().fold(Duration::zero(), |sum, b| sum + *b)
    }
}

impl Default for Budgets {
    /// 30 min, 2 h, 1 h, 2 h, 15 min: 5 h 45 min, inside the default 6-hour deadline.
    fn default() -> Self {
        Self([
            Duration::minutes(30),
            Duration::hours(2),
            Duration::hours(1),
            Duration::hours(2),
            Duration::minutes(15),
        ])
    }
}

/// One stage of one alert, as recorded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageRecord {
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Its start plus its budget, capped at the alert's deadline.
    pub due_at: Option<DateTime<Utc>>,
    /// When the clock found it running past `due_at` (once).
    pub overdue_at: Option<DateTime<Utc>>,
    /// Who acted in it, in order, each once.
    pub actors: Vec<String>,
}

/// An alert's pipeline: where each stage stands and the counts behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    pub alert_id: Uuid,
    pub deadline: DateTime<Utc>,
    /// The languages the op-eds must reach editors in (the op-ed's own once approved).
    pub languages: Vec<LanguageCode>,
    /// One per stage, in pipeline order.
    pub stages: Vec<StageRecord>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Members' names by id, as the panel events carry them: timelines name people.
    #[serde(default)]
    pub names: BTreeMap<Uuid, String>,
    pub invited: u32,
    pub accepted: u32,
    pub declined: u32,
    pub versions: u32,
    /// The signing round under way: the version's hash, and how many must sign it.
    pub signing: Option<(String, u32)>,
    pub signed: BTreeSet<Uuid>,
    /// Members who joined after the panel formed: their signatures are welcome, not needed.
    #[serde(default)]
    pub cosigners: BTreeSet<Uuid>,
    /// Translated languages and how each was made.
    pub translated: BTreeMap<LanguageCode, TranslationMethod>,
    /// Distributed languages and to how many editors.
    pub distributed: BTreeMap<LanguageCode, u64>,
}

/// A stage's state as a person reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    /// Not started: an earlier stage is still running.
    Waiting,
    Running,
    /// Running past its due time.
    Overdue,
    Done,
    /// Stopped by the alert's cancellation before it finished.
    Cancelled,
}

/// One stage as the API and the console show it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StageView {
    pub stage: Stage,
    pub state: StageState,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// Seconds the stage had from its start to its due time.
    pub budget_seconds: Option<i64>,
    /// Finished, but after its due time.
    pub late: bool,
    /// What the stage has done so far, in words ("5 invited, 2 accepted, 1 declined").
    pub progress: String,
    pub actors: Vec<String>,
}

/// A stage the clock found overdue.
#[derive(Debug, Clone, PartialEq)]
pub struct Overdue {
    pub stage: Stage,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

impl Pipeline {
    /// The pipeline of an alert raised at `raised_at`: mobilisation starts at once.
    pub fn start(
        alert_id: Uuid,
        languages: Vec<LanguageCode>,
        deadline: DateTime<Utc>,
        raised_at: DateTime<Utc>,
        budgets: &Budgets,
    ) -> Self {
        let mut pipeline = Self {
            alert_id,
            deadline,
            languages,
            stages: vec![StageRecord::default(); Stage::ALL.len()],
            cancelled_at: None,
            names: BTreeMap::new(),
            invited: 0,
            accepted: 0,
            declined: 0,
            versions: 0,
            signing: None,
            signed: BTreeSet::new(),
            cosigners: BTreeSet::new(),
            translated: BTreeMap::new(),
            distributed: BTreeMap::new(),
        };
        pipeline.begin(Stage::Mobilisation, raised_at, budgets);
        pipeline
    }

    fn record(&mut self, stage: Stage) -> &mut StageRecord {
        &mut self.stages[stage.index()]
    }

    pub fn stage(&self, stage: Stage) -> &StageRecord {
        &self.stages[stage.index()]
    }

    /// Starts `stage` at `at` (once), finishing every stage before it.
    fn begin(&mut self, stage: Stage, at: DateTime<Utc>, budgets: &Budgets) {
        if let Some(before) = Stage::ALL.get(stage.index().wrapping_sub(1)) {
            self.finish(*before, at);
        }
        self.start_alongside(stage, at, budgets);
    }

    /// Finishes `stage` and every stage before it at `at`, those not finished yet.
    fn finish(&mut self, stage: Stage, at: DateTime<Utc>) {
        for earlier in &mut self.stages[..=stage.index()] {
            if earlier.started_at.is_none() {
                earlier.started_at = Some(at);
            }
            if earlier.finished_at.is_none() {
                earlier.finished_at = Some(at);
            }
        }
    }

    fn acted(&mut self, stage: Stage, who: String) {
        let actors = &mut self.record(stage).actors;
        if !actors.contains(&who) {
            actors.push(who);
        }
    }

    fn name(&self, member: Uuid) -> String {
        self.names
            .get(&member)
            .cloned()
            .unwrap_or_else(|| format!("member {}", &member.to_string()[..8]))
    }

    /// The stage running now (the last one started and not finished).
    pub fn running(&self) -> Option<Stage> {
        Stage::ALL.into_iter().rev().find(|s| {
            let r = self.stage(*s);
            r.started_at.is_some() && r.finished_at.is_none()
        })
    }

    /// Whether every language reached its editors.
    pub fn finished(&self) -> bool {
        self.stage(Stage::Distribution).finished_at.is_some()
    }

    /// Applies an event that happened at `at`. Events of other alerts, and those that change no
    /// stage, change nothing.
    pub fn apply(&mut self, event: &Event, at: DateTime<Utc>, budgets: &Budgets) {
        match event {
            Event::AlertCancelled(_) => {
                self.cancelled_at.get_or_insert(at);
            }
            Event::PanelMobilized(e) => {
                self.invited += e.invited.len() as u32;
                for m in &e.invited {
                    self.names.insert(m.member_id, m.name.clone());
                }
            }
            Event::MemberResponded(e) => {
                if e.accepted {
                    self.accepted += 1;
                    let name = self.name(e.member_id);
                    self.acted(Stage::Mobilisation, name);
                } else {
                    self.declined += 1;
                }
            }
            Event::PanelFormed(e) => {
                for m in &e.authors {
                    self.names.insert(m.member_id, m.name.clone());
                }
                if !e.languages.is_empty() {
                    self.languages = e.languages.clone();
                }
                self.begin(Stage::Drafting, at, budgets);
            }
            Event::DraftVersionCreated(e) => {
                self.versions += 1;
                let stage = match self.running() {
                    Some(Stage::Signatures) => Stage::Signatures,
                    _ => Stage::Drafting,
                };
                if stage == Stage::Drafting {
                    self.begin(Stage::Drafting, at, budgets);
                }
                if let Some(author) = e.author_id {
                    let name = self.name(author);
                    self.acted(stage, name);
                }
                // A new text voids the round out for signature.
                if self
                    .signing
                    .as_ref()
                    .is_some_and(|(hash, _)| *hash != e.version_hash)
                {
                    self.signed.clear();
                }
            }
            Event::DraftSubmitted(e) => {
                self.signing = Some((e.version_hash.clone(), e.signatories));
                self.signed.clear();
                self.begin(Stage::Signatures, at, budgets);
            }
            Event::SignatureRecorded(e) => {
                if self
                    .signing
                    .as_ref()
                    .is_none_or(|(hash, _)| *hash == e.version_hash)
                {
                    self.signed.insert(e.member_id);
                }
                let name = self.name(e.member_id);
                self.acted(Stage::Signatures, name);
            }
            Event::SignatureWithdrawn(e) => {
                self.signed.remove(&e.member_id);
                self.names.insert(e.member_id, e.name.clone());
                self.acted(Stage::Signatures, e.name.clone());
            }
            Event::ChangesRequested(e) => {
                self.names.insert(e.member_id, e.name.clone());
                self.acted(Stage::Signatures, e.name.clone());
            }
            Event::OpedApproved(e) => {
                for s in &e.signatories {
                    self.names.insert(s.member_id, s.name.clone());
                }
                if !e.target_languages.is_empty() {
                    self.languages = e.target_languages.clone();
                }
                self.begin(Stage::Translation, at, budgets);
            }
            Event::TranslationCompleted(e) => {
                self.begin(Stage::Translation, at, budgets);
                self.translated.insert(e.language.clone(), e.method);
                let credit = e
                    .translator
                    .as_ref()
                    .map(|t| format!(", {t}"))
                    .unwrap_or_default();
                self.acted(
                    Stage::Translation,
                    format!("{} ({}{credit})", e.language, method(e.method)),
                );
                // Each language goes to editors as soon as it is ready.
                self.start_alongside(Stage::Distribution, at, budgets);
                if self.all(|l| self.translated.contains_key(l)) {
                    self.finish(Stage::Translation, at);
                }
            }
            Event::DistributionCompleted(e) => {
                self.start_alongside(Stage::Distribution, at, budgets);
                self.distributed.insert(e.language.clone(), e.recipients);
                self.acted(Stage::Distribution, e.language.to_string());
                if self.all(|l| self.distributed.contains_key(l)) {
                    self.finish(Stage::Distribution, at);
                }
            }
            Event::CosignerJoined(e) => {
                self.names.insert(e.member.member_id, e.member.name.clone());
                self.cosigners.insert(e.member.member_id);
            }
            Event::AlertRaised(_)
            | Event::MemberReminded(_)
            | Event::PanelShortfall(_)
            | Event::SignaturesReminded(_)
            | Event::OpedCorrected(_)
            | Event::OpedWithdrawn(_)
            | Event::StageOverdue(_)
            // A failed language stays untranslated: the stage does not finish, and goes overdue.
            | Event::TranslationFailed(_)
            | Event::CoordinatorTokenIssued(_)
            | Event::CoordinatorTokenRevoked(_) => {}
        }
    }

    /// Starts `stage` without finishing the one before: distribution runs while the last
    /// languages are still being translated.
    fn start_alongside(&mut self, stage: Stage, at: DateTime<Utc>, budgets: &Budgets) {
        let deadline = self.deadline;
        let record = self.record(stage);
        if record.started_at.is_none() {
            record.started_at = Some(at);
            record.due_at = Some((at + budgets.of(stage)).min(deadline));
        }
    }

    fn all(&self, done: impl Fn(&LanguageCode) -> bool) -> bool {
        !self.languages.is_empty() && self.languages.iter().all(done)
    }

    /// The stages the clock must watch: started, unfinished, not yet marked overdue, on an
    /// alert not cancelled — each with its due time.
    pub fn timers(&self) -> Vec<(Stage, DateTime<Utc>)> {
        if self.cancelled_at.is_some() {
            return Vec::new();
        }
        Stage::ALL
            .into_iter()
            .filter_map(|s| {
                let r = self.stage(s);
                match (r.started_at, r.finished_at, r.overdue_at, r.due_at) {
                    (Some(_), None, None, Some(due)) => Some((s, due)),
                    _ => None,
                }
            })
            .collect()
    }

    /// Marks `stage` overdue if, at `now`, it is still running past its due time and was not
    /// marked before. Returns what to announce.
    pub fn mark_overdue(&mut self, stage: Stage, now: DateTime<Utc>) -> Option<Overdue> {
        if self.cancelled_at.is_some() {
            return None;
        }
        let record = self.record(stage);
        match (
            record.started_at,
            record.finished_at,
            record.overdue_at,
            record.due_at,
        ) {
            (Some(started_at), None, None, Some(due_at)) if due_at <= now => {
                record.overdue_at = Some(now);
                Some(Overdue {
                    stage,
                    started_at,
                    due_at,
                })
            }
            _ => None,
        }
    }

    /// Whether, at `now`, a stage runs past its due time (marked by the clock, or not yet).
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.cancelled_at.is_none()
            && self.stages.iter().any(|r| {
                r.started_at.is_some()
                    && r.finished_at.is_none()
                    && (r.overdue_at.is_some() || r.due_at.is_some_and(|due| due <= now))
            })
    }

    /// The furthest stage reached: the last one started.
    pub fn reached(&self) -> Stage {
        Stage::ALL
            .into_iter()
            .rev()
            .find(|s| self.stage(*s).started_at.is_some())
            .unwrap_or(Stage::Mobilisation)
    }

    /// Every stage as people read it at `now`.
    pub fn view(&self, now: DateTime<Utc>) -> Vec<StageView> {
        Stage::ALL
            .into_iter()
            .map(|stage| {
                let r = self.stage(stage);
                let past_due = |at: DateTime<Utc>| r.due_at.is_some_and(|due| due < at);
                let state = match (r.started_at, r.finished_at) {
                    (_, Some(_)) => StageState::Done,
                    _ if self.cancelled_at.is_some() => StageState::Cancelled,
                    (None, None) => StageState::Waiting,
                    (Some(_), None) if r.overdue_at.is_some() || past_due(now) => {
                        StageState::Overdue
                    }
                    (Some(_), None) => StageState::Running,
                };
                StageView {
                    stage,
                    state,
                    started_at: r.started_at,
                    finished_at: r.finished_at,
                    due_at: r.due_at,
                    budget_seconds: r
                        .started_at
                        .zip(r.due_at)
                        .map(|(s, d)| (d - s).num_seconds()),
                    late: r.finished_at.is_some_and(past_due),
                    progress: self.progress(stage),
                    actors: r.actors.clone(),
                }
            })
            .collect()
    }

    fn progress(&self, stage: Stage) -> String {
        let of_languages = |done: usize| format!("{done} of {} languages", self.languages.len());
        match stage {
            Stage::Mobilisation => format!(
                "{} invited, {} accepted, {} declined",
                self.invited, self.accepted, self.declined
            ),
            Stage::Drafting => match self.versions {
                1 => "1 version".into(),
                n => format!("{n} versions"),
            },
            Stage::Signatures => match &self.signing {
                Some((_, needed)) => {
                    let cosigned = self.signed.intersection(&self.cosigners).count();
                    let signed = self.signed.len() - cosigned;
                    match cosigned {
                        0 => format!("{signed} of {needed} signatures"),
                        1 => format!("{signed} of {needed} signatures, and 1 co-signer"),
                        n => format!("{signed} of {needed} signatures, and {n} co-signers"),
                    }
                }
                None => "not submitted for signature yet".into(),
            },
            Stage::Translation => of_languages(self.translated.len()),
            Stage::Distribution => format!(
                "{} to {} editors",
                of_languages(self.distributed.len()),
                self.distributed.values().sum::<u64>()
            ),
        }
    }
}

fn method(method: TranslationMethod) -> &'static str {
    match method {
        TranslationMethod::Source => "source",
        TranslationMethod::Machine => "machine",
        TranslationMethod::Human => "human",
        TranslationMethod::MachineReviewed => "machine, reviewed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rrm_contracts::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap() + Duration::minutes(minutes)
    }

    fn lang(code: &str) -> LanguageCode {
        LanguageCode::parse(code).unwrap()
    }

    fn member(name: &str) -> PanelMember {
        PanelMember {
            member_id: Uuid::now_v7(),
            name: name.into(),
            email: EmailAddress::parse(&format!("{}@example.org", name.to_lowercase())).unwrap(),
            line: name.into(),
            signs_as: String::new(),
        }
    }

    fn raised(deadline_minutes: i64) -> Pipeline {
        Pipeline::start(
            Uuid::now_v7(),
            vec![lang("en"), lang("ar")],
            at(deadline_minutes),
            at(0),
            &Budgets::default(),
        )
    }

    fn formed(p: &Pipeline, authors: &[PanelMember]) -> Event {
        Event::PanelFormed(PanelFormed {
            alert_id: p.alert_id,
            panel_id: Uuid::now_v7(),
            title: "t".into(),
            summary: "s".into(),
            languages: vec![lang("en"), lang("ar")],
            deadline: p.deadline,
            authors: authors.to_vec(),
        })
    }

    fn state(p: &Pipeline, stage: Stage, now: DateTime<Utc>) -> StageState {
        p.view(now)[stage.index()].state
    }

    #[test]
    fn mobilisation_runs_from_the_alert_and_is_due_after_its_budget() {
        let p = raised(360);
        assert_eq!(p.running(), Some(Stage::Mobilisation));
        assert_eq!(p.stage(Stage::Mobilisation).due_at, Some(at(30)));
        assert_eq!(p.timers(), vec![(Stage::Mobilisation, at(30))]);
        assert_eq!(state(&p, Stage::Drafting, at(1)), StageState::Waiting);
        assert!(!p.overdue(at(29)));
        assert!(p.overdue(at(30)));
    }

    #[test]
    fn no_stage_is_due_after_the_alert_deadline() {
        let p = raised(20);
        assert_eq!(p.stage(Stage::Mobilisation).due_at, Some(at(20)));
    }

    #[test]
    fn the_clock_marks_a_stage_overdue_once_and_only_when_due() {
        let mut p = raised(360);
        assert_eq!(p.mark_overdue(Stage::Mobilisation, at(29)), None);
        let overdue = p.mark_overdue(Stage::Mobilisation, at(31)).unwrap();
        assert_eq!(overdue.due_at, at(30));
        assert_eq!(p.mark_overdue(Stage::Mobilisation, at(40)), None);
        assert!(p.timers().is_empty(), "a marked stage needs no timer");
        assert_eq!(state(&p, Stage::Mobilisation, at(40)), StageState::Overdue);
    }

    #[test]
    fn a_finished_or_cancelled_stage_is_never_marked_overdue() {
        let mut p = raised(360);
        let authors = [member("Amina"), member("David")];
        p.apply(&formed(&p, &authors), at(10), &Budgets::default());
        assert_eq!(p.mark_overdue(Stage::Mobilisation, at(31)), None);
        assert_eq!(p.timers(), vec![(Stage::Drafting, at(130))]);

        p.apply(
            &Event::AlertCancelled(AlertCancelled {
                alert_id: p.alert_id,
                reason: "r".into(),
            }),
            at(20),
            &Budgets::default(),
        );
        assert_eq!(p.mark_overdue(Stage::Drafting, at(200)), None);
        assert!(p.timers().is_empty());
        assert!(!p.overdue(at(200)));
        assert_eq!(state(&p, Stage::Drafting, at(200)), StageState::Cancelled);
        assert_eq!(state(&p, Stage::Mobilisation, at(200)), StageState::Done);
    }

    #[test]
    fn the_stages_advance_with_the_events_and_count_what_happened() {
        let budgets = Budgets::default();
        let mut p = raised(360);
        let (amina, david, lea) = (member("Amina"), member("David"), member("Léa"));
        p.apply(
            &Event::PanelMobilized(PanelMobilized {
                alert_id: p.alert_id,
                panel_id: Uuid::now_v7(),
                invited: vec![amina.clone(), david.clone(), lea.clone()],
                explanation: String::new(),
            }),
            at(1),
            &budgets,
        );
        for (m, accepted) in [(&amina, true), (&lea, false), (&david, true)] {
            p.apply(
                &Event::MemberResponded(MemberResponded {
                    alert_id: p.alert_id,
                    panel_id: Uuid::now_v7(),
                    member_id: m.member_id,
                    accepted,
                    name: m.name.clone(),
                    note: None,
                }),
                at(5),
                &budgets,
            );
        }
        assert_eq!(
            p.view(at(6))[0].progress,
            "3 invited, 2 accepted, 1 declined"
        );
        assert_eq!(p.view(at(6))[0].actors, ["Amina", "David"]);

        p.apply(
            &formed(&p, &[amina.clone(), david.clone()]),
            at(6),
            &budgets,
        );
        let (draft_id, alert_id) = (Uuid::now_v7(), p.alert_id);
        let version = |hash: &str, by: &PanelMember| {
            Event::DraftVersionCreated(DraftVersionCreated {
                alert_id,
                draft_id,
                version_hash: hash.into(),
                author_id: Some(by.member_id),
            })
        };
        p.apply(&version("aa", &amina), at(30), &budgets);
        p.apply(&version("bb", &david), at(40), &budgets);
        p.apply(
            &Event::DraftSubmitted(DraftSubmitted {
                alert_id,
                draft_id,
                version_hash: "bb".into(),
                round: 1,
                signatories: 2,
            }),
            at(41),
            &budgets,
        );
        let view = p.view(at(42));
        assert_eq!(view[1].state, StageState::Done);
        assert_eq!(view[1].progress, "2 versions");
        assert_eq!(view[1].actors, ["Amina", "David"]);
        assert_eq!(view[2].state, StageState::Running);
        assert_eq!(view[2].due_at, Some(at(101)));

        let sign = |by: &PanelMember, hash: &str| {
            Event::SignatureRecorded(SignatureRecorded {
                alert_id,
                draft_id,
                version_hash: hash.into(),
                member_id: by.member_id,
            })
        };
        p.apply(&sign(&amina, "bb"), at(45), &budgets);
        assert_eq!(p.view(at(45))[2].progress, "1 of 2 signatures");
        // A co-signer's signature is counted apart: it is welcome, not needed.
        let lea = member("Léa");
        p.apply(
            &Event::CosignerJoined(CosignerJoined {
                alert_id: p.alert_id,
                panel_id: Uuid::now_v7(),
                member: lea.clone(),
            }),
            at(45),
            &budgets,
        );
        p.apply(&sign(&lea, "bb"), at(45), &budgets);
        assert_eq!(
            p.view(at(45))[2].progress,
            "1 of 2 signatures, and 1 co-signer"
        );
        // A new version voids the signatures given.
        p.apply(&version("cc", &david), at(50), &budgets);
        assert_eq!(p.view(at(50))[2].progress, "0 of 2 signatures");
        assert_eq!(p.running(), Some(Stage::Signatures));
    }

    fn translated(p: &Pipeline, code: &str) -> Event {
        Event::TranslationCompleted(TranslationCompleted {
            alert_id: p.alert_id,
            oped_id: Uuid::nil(),
            language: lang(code),
            title: "t".into(),
            body: "b".into(),
            source_version_hash: "bb".into(),
            signatories: vec![],
            method: TranslationMethod::Machine,
            embargo_until: None,
            standfirst: String::new(),
            manifest_url: None,
            translator: None,
        })
    }

    fn distributed(p: &Pipeline, code: &str, recipients: u64) -> Event {
        Event::DistributionCompleted(DistributionCompleted {
            alert_id: p.alert_id,
            oped_id: Uuid::nil(),
            language: lang(code),
            recipients,
        })
    }

    #[test]
    fn distribution_starts_with_the_first_language_and_ends_with_the_last() {
        let budgets = Budgets::default();
        let mut p = raised(360);
        p.apply(
            &Event::OpedApproved(OpedApproved {
                alert_id: p.alert_id,
                oped_id: Uuid::nil(),
                title: "t".into(),
                body: "b".into(),
                source_language: lang("en"),
                target_languages: vec![lang("en"), lang("ar")],
                version_hash: "bb".into(),
                signatories: vec![],
                embargo_until: None,
                standfirst: String::new(),
                manifest: None,
            }),
            at(100),
            &budgets,
        );
        // Events never seen (panel, submission) count as passed through at the approval.
        let view = p.view(at(100));
        assert!(view[..3].iter().all(|s| s.state == StageState::Done));
        assert_eq!(view[3].state, StageState::Running);

        p.apply(&translated(&p, "en"), at(101), &budgets);
        p.apply(&distributed(&p, "en", 40), at(102), &budgets);
        let view = p.view(at(102));
        assert_eq!(view[3].state, StageState::Running);
        assert_eq!(view[3].progress, "1 of 2 languages");
        assert_eq!(view[4].state, StageState::Running);
        assert_eq!(view[4].due_at, Some(at(116)));
        assert_eq!(view[4].progress, "1 of 2 languages to 40 editors");

        p.apply(&translated(&p, "ar"), at(103), &budgets);
        p.apply(&distributed(&p, "ar", 25), at(104), &budgets);
        assert!(p.finished());
        assert!(p.timers().is_empty());
        assert_eq!(p.view(at(104))[3].actors, ["en (machine)", "ar (machine)"]);
    }

    #[test]
    fn a_stage_finished_after_its_due_time_shows_late() {
        let budgets = Budgets::default();
        let mut p = raised(360);
        p.apply(&formed(&p, &[member("A"), member("B")]), at(45), &budgets);
        let view = p.view(at(46));
        assert!(view[0].late);
        assert_eq!(view[0].state, StageState::Done);
        assert!(!view[1].late);
    }

    #[test]
    fn the_default_budgets_fit_the_default_deadline() {
        assert!(Budgets::default().total() <= Duration::hours(6));
    }
}
