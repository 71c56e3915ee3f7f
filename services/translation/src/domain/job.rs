//! One language of one op-ed: its job, from the approval (or a correction) until its text is
//! ready for editors. The rules live here, without I/O; the workflow applies them inside a
//! transaction and does what they say (offer the job, fail it, complete it).
//!
//! ```text
//!   Machine ──delivered──▶ Done                        (policy machine)
//!      │        └────────▶ offer ─▶ Offered ─claim─▶ Claimed ─submit─▶ Done
//!      │                     ▲         │ expired/declined   │ released
//!      │                     └─────────┴────────────────────┘
//!      └─failed──▶ Waiting (machine) │ offer with no translator left ─▶ Waiting
//! ```
//!
//! `Waiting` is where people step in: the failure is reported once (event, timeline, mail to
//! the coordinators), and a coordinator retries the machine (on a chosen provider), offers the
//! job again, accepts the machine translation or accepts another text. A deadline that passes
//! before the job is done reports the failure too, but leaves an offer or claim standing: a
//! late translation is still better than none. At most one translator holds a job at a time.

use super::Policy;
use chrono::{DateTime, Duration, Utc};
use rrm_contracts::{LanguageCode, TranslationMethod};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A title, standfirst and body in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Texts {
    pub title: String,
    pub standfirst: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Waiting for the machine-translation providers.
    Machine,
    /// Offered to one translator until `expires_at`.
    Offered {
        translator: Uuid,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    },
    /// Claimed by one translator, who is translating or reviewing.
    Claimed { translator: Uuid, at: DateTime<Utc> },
    /// Nothing under way: a coordinator decides (the failure says why).
    Waiting,
    /// The text is ready for editors.
    Done,
    /// The op-ed was withdrawn.
    Cancelled,
}

impl Stage {
    pub fn name(&self) -> &'static str {
        match self {
            Stage::Machine => "machine",
            Stage::Offered { .. } => "offered",
            Stage::Claimed { .. } => "claimed",
            Stage::Waiting => "waiting",
            Stage::Done => "done",
            Stage::Cancelled => "cancelled",
        }
    }
}

/// How the job ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    pub method: TranslationMethod,
    pub texts: Texts,
    /// The translator credited, by id and name.
    pub translator: Option<(Uuid, String)>,
    /// Who ended it: a provider, a translator, or `coordinator <name>`.
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A failure reported for the job (once, until people step in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// What was delivered for the version a correction replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Previous {
    pub version_hash: String,
    /// The source text of that version, to show translators what changed.
    pub source: Texts,
    pub completion: Option<Completion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub oped_id: Uuid,
    pub alert_id: Uuid,
    pub language: LanguageCode,
    pub source_language: LanguageCode,
    pub policy: Policy,
    /// The signed source version translated.
    pub version_hash: String,
    /// 0 for the approved version, then one more per correction.
    pub round: u32,
    pub stage: Stage,
    /// Tries of the machine step.
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// The provider that delivered the machine text.
    pub provider: Option<String>,
    /// A coordinator's choice: only this provider is tried.
    pub only_provider: Option<String>,
    pub created_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// The machine translation (a translator's pre-draft, or what goes out).
    pub machine: Option<Texts>,
    /// Translators offered the job, in order.
    pub offered_to: Vec<Uuid>,
    pub completion: Option<Completion>,
    pub failure: Option<Failure>,
    pub previous: Option<Box<Previous>>,
}

/// What the workflow must do after a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Nothing more.
    Nothing,
    /// Offer the job to the next translator.
    Offer,
    /// Report the failure now recorded.
    Fail,
    /// Announce the completion now recorded.
    Complete,
}

/// Why a translator's or coordinator's step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this job is no longer offered to you")]
    NotOffered,
    #[error("the offer expired; it went to another translator")]
    Expired,
    #[error("this job is not claimed by you")]
    NotClaimed,
    #[error("this translation is already done")]
    Done,
    #[error("the op-ed was withdrawn")]
    Cancelled,
    #[error("there is no machine translation to accept")]
    NoMachineText,
    #[error("{0}")]
    Invalid(String),
}

/// Tries of the machine step a job for translators makes before they start without it.
pub const PREDRAFT_TRIES: u32 = 3;

/// Limits a submitted text must keep.
pub const MAX_TITLE: usize = 300;
pub const MAX_STANDFIRST: usize = 1_000;
pub const MAX_BODY: usize = 100_000;

impl Texts {
    /// Checks a text people submit: a title and a body, within bounds, without control
    /// characters (line breaks and tabs allowed in the standfirst and body).
    pub fn validate(self) -> Result<Self, Refusal> {
        let title = self.title.trim().to_owned();
        let standfirst = self.standfirst.trim().to_owned();
        let body = self.body.replace("\r\n", "\n").trim().to_owned();
        if title.is_empty() {
            return Err(Refusal::Invalid("the title is empty".into()));
        }
        if body.is_empty() {
            return Err(Refusal::Invalid("the body is empty".into()));
        }
        for (field, value, max, multiline) in [
            ("title", &title, MAX_TITLE, false),
            ("standfirst", &standfirst, MAX_STANDFIRST, true),
            ("body", &body, MAX_BODY, true),
        ] {
            if value.chars().count() > max {
                return Err(Refusal::Invalid(format!(
                    "the {field} is longer than {max} characters"
                )));
            }
            if value
                .chars()
                .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\t')))
            {
                return Err(Refusal::Invalid(format!(
                    "the {field} contains control characters"
                )));
            }
        }
        Ok(Texts {
            title,
            standfirst,
            body,
        })
    }
}

/// What a job starts from.
pub struct Source<'a> {
    pub oped_id: Uuid,
    pub alert_id: Uuid,
    pub language: &'a LanguageCode,
    pub source_language: &'a LanguageCode,
    pub version_hash: &'a str,
}

impl Job {
    /// A new job: the machine step first, whatever the policy (it is the translators'
    /// pre-draft), due at once, failing at `now + budget`.
    pub fn new(source: Source<'_>, policy: Policy, now: DateTime<Utc>, budget: Duration) -> Self {
        Job {
            oped_id: source.oped_id,
            alert_id: source.alert_id,
            language: source.language.clone(),
            source_language: source.source_language.clone(),
            policy,
            version_hash: source.version_hash.to_owned(),
            round: 0,
            stage: Stage::Machine,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            provider: None,
            only_provider: None,
            created_at: now,
            deadline: now + budget,
            machine: None,
            offered_to: Vec::new(),
            completion: None,
            failure: None,
            previous: None,
        }
    }

    /// The translator holding an offer or a claim, if any.
    pub fn holder(&self) -> Option<Uuid> {
        match self.stage {
            Stage::Offered { translator, .. } | Stage::Claimed { translator, .. } => {
                Some(translator)
            }
            _ => None,
        }
    }

    pub fn is_open(&self) -> bool {
        !matches!(self.stage, Stage::Done | Stage::Cancelled)
    }

    /// The method a translator's submitted text goes out with.
    fn human_method(&self) -> TranslationMethod {
        if self.policy == Policy::MachineReview && self.machine.is_some() {
            TranslationMethod::MachineReviewed
        } else {
            TranslationMethod::Human
        }
    }

    fn complete(&mut self, completion: Completion) -> Next {
        self.stage = Stage::Done;
        self.completion = Some(completion);
        Next::Complete
    }

    fn fail(&mut self, reason: String, now: DateTime<Utc>) -> Next {
        self.last_error = Some(reason.clone());
        if self.failure.is_some() {
            return Next::Nothing;
        }
        self.failure = Some(Failure { reason, at: now });
        Next::Fail
    }

    /// The providers delivered `texts`.
    pub fn machine_delivered(&mut self, texts: Texts, provider: &str, now: DateTime<Utc>) -> Next {
        if self.stage != Stage::Machine {
            return Next::Nothing;
        }
        self.attempts += 1;
        self.last_error = None;
        self.provider = Some(provider.to_owned());
        self.machine = Some(texts.clone());
        if self.policy.needs_translator() {
            self.stage = Stage::Waiting;
            return Next::Offer;
        }
        self.complete(Completion {
            method: TranslationMethod::Machine,
            texts,
            translator: None,
            by: provider.to_owned(),
            at: now,
        })
    }

    /// The providers did not deliver: `permanent` when every one refused or the deadline
    /// passed, else the try is repeated at `retry_at` (never later than the deadline).
    pub fn machine_failed(
        &mut self,
        reason: String,
        permanent: bool,
        now: DateTime<Utc>,
        retry_at: DateTime<Utc>,
    ) -> Next {
        if self.stage != Stage::Machine {
            return Next::Nothing;
        }
        self.attempts += 1;
        self.last_error = Some(reason.clone());
        // A pre-draft is worth a few seconds, not a translator's deadline: after a few tries
        // translators start from the source.
        let permanent = permanent
            || now >= self.deadline
            || (self.policy.needs_translator() && self.attempts >= PREDRAFT_TRIES);
        if !permanent {
            self.next_attempt_at = retry_at.min(self.deadline);
            return Next::Nothing;
        }
        self.stage = Stage::Waiting;
        if self.policy.needs_translator() {
            // Translators translate from the source alone.
            return Next::Offer;
        }
        self.fail(reason, now)
    }

    /// The job goes to `translator` until `now + ttl`.
    pub fn offer_to(&mut self, translator: Uuid, now: DateTime<Utc>, ttl: Duration) {
        self.offered_to.push(translator);
        self.stage = Stage::Offered {
            translator,
            at: now,
            expires_at: now + ttl,
        };
    }

    /// No translator is left to offer the job to.
    pub fn no_translator(&mut self, now: DateTime<Utc>) -> Next {
        self.stage = Stage::Waiting;
        let pair = format!("{}→{}", self.source_language, self.language);
        let reason = if self.offered_to.is_empty() {
            format!("no translator for {pair} is available")
        } else {
            format!(
                "none of the {} translators for {pair} offered the job claimed it",
                self.offered_to.len()
            )
        };
        let reason = if self.machine.is_some() && self.policy == Policy::MachineReview {
            format!("{reason}; the machine translation can be accepted")
        } else {
            reason
        };
        self.fail(reason, now)
    }

    /// The offer to `translator` expired (or they declined): the next translator's turn.
    pub fn offer_ended(&mut self, translator: Uuid, now: DateTime<Utc>, declined: bool) -> Next {
        match self.stage {
            Stage::Offered {
                translator: t,
                expires_at,
                ..
            } if t == translator && (declined || expires_at <= now) => {
                self.stage = Stage::Waiting;
                Next::Offer
            }
            _ => Next::Nothing,
        }
    }

    /// `translator` claims the job offered to them.
    pub fn claim(&mut self, translator: Uuid, now: DateTime<Utc>) -> Result<(), Refusal> {
        self.refuse_closed()?;
        match self.stage {
            Stage::Claimed { translator: t, .. } if t == translator => Ok(()),
            Stage::Offered {
                translator: t,
                expires_at,
                ..
            } if t == translator => {
                if expires_at <= now {
                    return Err(Refusal::Expired);
                }
                self.stage = Stage::Claimed {
                    translator,
                    at: now,
                };
                Ok(())
            }
            _ if self.offered_to.contains(&translator) => Err(Refusal::Expired),
            _ => Err(Refusal::NotOffered),
        }
    }

    /// `translator` gives back the job they claimed or were offered.
    pub fn release(&mut self, translator: Uuid) -> Result<Next, Refusal> {
        self.refuse_closed()?;
        if self.holder() != Some(translator) {
            return Err(Refusal::NotClaimed);
        }
        self.stage = Stage::Waiting;
        Ok(Next::Offer)
    }

    /// `translator` submits their translation of the job they claimed.
    pub fn submit(
        &mut self,
        translator: (Uuid, String),
        texts: Texts,
        now: DateTime<Utc>,
    ) -> Result<Next, Refusal> {
        self.refuse_closed()?;
        if !matches!(self.stage, Stage::Claimed { translator: t, .. } if t == translator.0) {
            return Err(Refusal::NotClaimed);
        }
        let texts = texts.validate()?;
        let by = format!("translator {}", translator.1);
        Ok(self.complete(Completion {
            method: self.human_method(),
            texts,
            translator: Some(translator),
            by,
            at: now,
        }))
    }

    /// The deadline passed: report the failure unless the job is done (an offer or claim
    /// stands).
    pub fn deadline_passed(&mut self, now: DateTime<Utc>) -> Next {
        if !self.is_open() || now < self.deadline {
            return Next::Nothing;
        }
        let what = match &self.stage {
            Stage::Machine => "no provider delivered",
            Stage::Offered { .. } => "the translator offered the job has not claimed it",
            Stage::Claimed { .. } => "the translator has not submitted",
            _ => "nobody translated it",
        };
        let mut reason = format!("not delivered by its deadline: {what}");
        if let Some(e) = &self.last_error
            && matches!(self.stage, Stage::Machine)
        {
            reason = format!("{reason} ({e})");
        }
        if self.machine.is_some() && self.policy == Policy::MachineReview {
            reason.push_str("; the machine translation can be accepted");
        }
        self.fail(reason, now)
    }

    /// A coordinator accepts the machine translation as it is.
    pub fn accept_machine(&mut self, by: &str, now: DateTime<Utc>) -> Result<Next, Refusal> {
        self.refuse_closed()?;
        let texts = self.machine.clone().ok_or(Refusal::NoMachineText)?;
        Ok(self.complete(Completion {
            method: TranslationMethod::Machine,
            texts,
            translator: None,
            by: format!("coordinator {by}"),
            at: now,
        }))
    }

    /// A coordinator accepts a translation made elsewhere, crediting `credit` when given.
    pub fn accept_text(
        &mut self,
        texts: Texts,
        credit: Option<String>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Next, Refusal> {
        self.refuse_closed()?;
        let texts = texts.validate()?;
        let credit = credit
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if let Some(c) = &credit
            && (c.chars().count() > 200 || c.chars().any(char::is_control))
        {
            return Err(Refusal::Invalid(
                "the translator's name must be one line of at most 200 characters".into(),
            ));
        }
        Ok(self.complete(Completion {
            method: TranslationMethod::Human,
            texts,
            translator: credit.map(|c| (Uuid::nil(), c)),
            by: format!("coordinator {by}"),
            at: now,
        }))
    }

    /// A coordinator has the machine try again (only on `provider` when given), with the
    /// deadline moved to at least `now + budget`. A standing offer or claim is withdrawn.
    pub fn retry_machine(
        &mut self,
        provider: Option<String>,
        now: DateTime<Utc>,
        budget: Duration,
    ) -> Result<(), Refusal> {
        self.refuse_closed()?;
        self.stage = Stage::Machine;
        self.only_provider = provider;
        self.next_attempt_at = now;
        self.failure = None;
        self.offered_to.clear();
        self.deadline = self.deadline.max(now + budget);
        Ok(())
    }

    /// A coordinator offers the job to translators again, from the first.
    pub fn reoffer(&mut self, now: DateTime<Utc>, budget: Duration) -> Result<Next, Refusal> {
        self.refuse_closed()?;
        self.stage = Stage::Waiting;
        self.failure = None;
        self.offered_to.clear();
        self.deadline = self.deadline.max(now + budget);
        Ok(Next::Offer)
    }

    /// The op-ed was withdrawn.
    pub fn cancel(&mut self) -> bool {
        if !self.is_open() {
            return false;
        }
        self.stage = Stage::Cancelled;
        true
    }

    /// A correction of the op-ed: the job starts again for `version_hash`, keeping what was
    /// delivered before (and from which source) so translators see what changed.
    pub fn corrected(
        &mut self,
        version_hash: &str,
        previous_source: Texts,
        now: DateTime<Utc>,
        budget: Duration,
    ) {
        self.previous = Some(Box::new(Previous {
            version_hash: std::mem::take(&mut self.version_hash),
            source: previous_source,
            completion: self.completion.take(),
        }));
        self.version_hash = version_hash.to_owned();
        self.round += 1;
        self.stage = Stage::Machine;
        self.attempts = 0;
        self.next_attempt_at = now;
        self.last_error = None;
        self.provider = None;
        self.only_provider = None;
        self.created_at = now;
        self.deadline = now + budget;
        self.machine = None;
        self.offered_to.clear();
        self.failure = None;
    }

    /// The translator who translated the version a correction replaces.
    pub fn previous_translator(&self) -> Option<Uuid> {
        self.previous
            .as_ref()
            .and_then(|p| p.completion.as_ref())
            .and_then(|c| c.translator.as_ref())
            .map(|(id, _)| *id)
            .filter(|id| !id.is_nil())
    }

    fn refuse_closed(&self) -> Result<(), Refusal> {
        match self.stage {
            Stage::Done => Err(Refusal::Done),
            Stage::Cancelled => Err(Refusal::Cancelled),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn job(policy: Policy) -> (Job, DateTime<Utc>) {
        let now = Utc::now();
        let en = LanguageCode::parse("en").unwrap();
        let ar = LanguageCode::parse("ar").unwrap();
        let job = Job::new(
            Source {
                oped_id: Uuid::now_v7(),
                alert_id: Uuid::now_v7(),
                language: &ar,
                source_language: &en,
                version_hash: "v1",
            },
            policy,
            now,
            Duration::hours(2),
        );
        (job, now)
    }

    fn texts(title: &str) -> Texts {
        Texts {
            title: title.into(),
            standfirst: String::new(),
            body: "body".into(),
        }
    }

    #[test]
    fn a_machine_language_completes_with_the_providers_text() {
        let (mut job, now) = job(Policy::Machine);
        assert_eq!(
            job.machine_delivered(texts("t"), "deepl", now),
            Next::Complete
        );
        let done = job.completion.as_ref().unwrap();
        assert_eq!(done.method, TranslationMethod::Machine);
        assert_eq!(done.by, "deepl");
        assert!(!job.is_open());
    }

    #[test]
    fn a_reviewed_language_waits_for_a_translator_after_the_machine() {
        let (mut job, now) = job(Policy::MachineReview);
        assert_eq!(job.machine_delivered(texts("m"), "libre", now), Next::Offer);
        assert!(job.completion.is_none());
        let amina = Uuid::now_v7();
        job.offer_to(amina, now, Duration::minutes(20));
        job.claim(amina, now).unwrap();
        let next = job
            .submit((amina, "Amina".into()), texts("reviewed"), now)
            .unwrap();
        assert_eq!(next, Next::Complete);
        let done = job.completion.as_ref().unwrap();
        assert_eq!(done.method, TranslationMethod::MachineReviewed);
        assert_eq!(done.translator, Some((amina, "Amina".into())));
        assert_eq!(done.texts.title, "reviewed");
    }

    #[test]
    fn a_human_language_goes_to_translators_even_when_the_machine_fails() {
        let (mut job, now) = job(Policy::Human);
        let next = job.machine_failed("refused".into(), true, now, now);
        assert_eq!(next, Next::Offer);
        assert!(job.failure.is_none());
        let t = Uuid::now_v7();
        job.offer_to(t, now, Duration::minutes(5));
        job.claim(t, now).unwrap();
        job.submit((t, "T".into()), texts("x"), now).unwrap();
        assert_eq!(
            job.completion.unwrap().method,
            TranslationMethod::Human,
            "no machine text: translated, not reviewed"
        );
    }

    #[test]
    fn translators_do_not_wait_long_for_a_machine_pre_draft() {
        let (mut job, now) = job(Policy::MachineReview);
        for _ in 1..PREDRAFT_TRIES {
            assert_eq!(
                job.machine_failed("503".into(), false, now, now),
                Next::Nothing
            );
        }
        assert_eq!(
            job.machine_failed("503".into(), false, now, now),
            Next::Offer
        );
        assert!(
            job.failure.is_none(),
            "not a failure: translators start from the source"
        );
        assert!(job.machine.is_none());
    }

    #[test]
    fn a_machine_language_that_fails_for_good_is_reported_once() {
        let (mut job, now) = job(Policy::Machine);
        let later = now + Duration::seconds(2);
        assert_eq!(
            job.machine_failed("503".into(), false, now, later),
            Next::Nothing
        );
        assert_eq!(job.next_attempt_at, later);
        assert_eq!(job.stage, Stage::Machine);
        assert_eq!(
            job.machine_failed("every provider refused".into(), true, now, later),
            Next::Fail
        );
        assert_eq!(job.stage, Stage::Waiting);
        assert_eq!(job.deadline_passed(job.deadline), Next::Nothing);
    }

    #[test]
    fn retries_never_wait_past_the_deadline() {
        let (mut job, now) = job(Policy::Machine);
        let after = job.deadline + Duration::minutes(5);
        job.machine_failed("429".into(), false, now, after);
        assert_eq!(job.next_attempt_at, job.deadline);
        let deadline = job.deadline;
        assert_eq!(
            job.machine_failed("429".into(), false, deadline, after),
            Next::Fail,
            "a try at the deadline that fails is the last"
        );
    }

    #[test]
    fn only_the_translator_offered_a_job_may_claim_it_and_only_once() {
        let (mut job, now) = job(Policy::Human);
        job.machine_failed("x".into(), true, now, now);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        job.offer_to(a, now, Duration::minutes(10));
        assert_eq!(job.claim(b, now), Err(Refusal::NotOffered));
        job.claim(a, now).unwrap();
        assert_eq!(job.claim(b, now), Err(Refusal::NotOffered));
        assert_eq!(
            job.submit((b, "B".into()), texts("t"), now),
            Err(Refusal::NotClaimed)
        );
        assert_eq!(job.holder(), Some(a));
    }

    #[test]
    fn an_expired_offer_goes_to_the_next_translator_and_cannot_be_claimed() {
        let (mut job, now) = job(Policy::Human);
        job.machine_failed("x".into(), true, now, now);
        let a = Uuid::now_v7();
        job.offer_to(a, now, Duration::minutes(10));
        let later = now + Duration::minutes(11);
        assert_eq!(job.offer_ended(a, now, false), Next::Nothing, "not yet");
        assert_eq!(job.claim(a, later), Err(Refusal::Expired));
        assert_eq!(job.offer_ended(a, later, false), Next::Offer);
        assert_eq!(job.claim(a, later), Err(Refusal::Expired));
        assert_eq!(job.no_translator(later), Next::Fail);
        assert!(
            job.failure
                .as_ref()
                .unwrap()
                .reason
                .contains("none of the 1")
        );
    }

    #[test]
    fn the_deadline_reports_but_leaves_a_claim_standing() {
        let (mut job, now) = job(Policy::MachineReview);
        job.machine_delivered(texts("m"), "libre", now);
        let t = Uuid::now_v7();
        job.offer_to(t, now, Duration::hours(5));
        job.claim(t, now).unwrap();
        let deadline = job.deadline;
        assert_eq!(job.deadline_passed(deadline), Next::Fail);
        assert!(
            job.failure
                .as_ref()
                .unwrap()
                .reason
                .contains("machine translation can be accepted")
        );
        assert_eq!(job.holder(), Some(t));
        assert!(job.submit((t, "T".into()), texts("late"), deadline).is_ok());
    }

    #[test]
    fn a_coordinator_accepts_the_machine_text_only_when_there_is_one() {
        let (mut job, now) = job(Policy::MachineReview);
        assert_eq!(job.accept_machine("Sam", now), Err(Refusal::NoMachineText));
        job.machine_delivered(texts("m"), "libre", now);
        assert_eq!(job.accept_machine("Sam", now), Ok(Next::Complete));
        assert_eq!(job.completion.as_ref().unwrap().by, "coordinator Sam");
        assert_eq!(job.accept_machine("Sam", now), Err(Refusal::Done));
    }

    #[test]
    fn another_text_is_checked_and_credited() {
        let (mut job, now) = job(Policy::Machine);
        assert!(matches!(
            job.accept_text(texts(""), None, "Sam", now),
            Err(Refusal::Invalid(_))
        ));
        assert!(matches!(
            job.accept_text(texts("a\u{7}b"), None, "Sam", now),
            Err(Refusal::Invalid(_))
        ));
        assert!(job.is_open(), "a refused text changes nothing");
        job.accept_text(texts("ok"), Some(" Layla N. ".into()), "Sam", now)
            .unwrap();
        let done = job.completion.unwrap();
        assert_eq!(done.method, TranslationMethod::Human);
        assert_eq!(done.translator.unwrap().1, "Layla N.");
    }

    #[test]
    fn a_retry_on_a_chosen_provider_clears_the_failure_and_moves_the_deadline() {
        let (mut job, now) = job(Policy::Machine);
        job.machine_failed("refused".into(), true, now, now);
        let later = job.deadline + Duration::minutes(1);
        job.retry_machine(Some("deepl".into()), later, Duration::hours(1))
            .unwrap();
        assert_eq!(job.stage, Stage::Machine);
        assert!(job.failure.is_none());
        assert_eq!(job.only_provider.as_deref(), Some("deepl"));
        assert_eq!(job.deadline, later + Duration::hours(1));
    }

    #[test]
    fn a_correction_starts_again_and_remembers_the_translator() {
        let (mut job, now) = job(Policy::Human);
        job.machine_failed("x".into(), true, now, now);
        let t = Uuid::now_v7();
        job.offer_to(t, now, Duration::minutes(10));
        job.claim(t, now).unwrap();
        job.submit((t, "T".into()), texts("v1"), now).unwrap();
        job.corrected("v2", texts("source v1"), now, Duration::hours(2));
        assert_eq!(job.round, 1);
        assert_eq!(job.stage, Stage::Machine);
        assert_eq!(job.version_hash, "v2");
        assert_eq!(job.previous_translator(), Some(t));
        assert_eq!(job.previous.as_ref().unwrap().version_hash, "v1");
        assert!(job.completion.is_none());
    }

    #[test]
    fn a_withdrawn_op_ed_cancels_open_jobs_only() {
        let (mut job, now) = job(Policy::Machine);
        assert!(job.cancel());
        assert!(!job.cancel());
        assert_eq!(job.accept_machine("Sam", now), Err(Refusal::Cancelled));
        let (mut done, now) = self::job(Policy::Machine);
        done.machine_delivered(texts("t"), "p", now);
        assert!(!done.cancel());
    }
}
