//! A panel and its invitations: what each invitation's state is, and how an answer changes it.

use super::selection::Scored;
use chrono::{DateTime, Utc};
use rrm_contracts::AlertRaised;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The members mobilised for one alert.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Panel {
    pub panel_id: Uuid,
    pub alert: AlertRaised,
    /// Every invitation, first ones, alternates and by hand, in the order they went out.
    pub invitations: Vec<Uuid>,
    pub formed: bool,
    #[serde(default)]
    pub formed_at: Option<DateTime<Utc>>,
    /// The members who became its authors when it formed.
    #[serde(default)]
    pub authors: Vec<Uuid>,
    /// Members who accepted after it formed: they co-sign.
    #[serde(default)]
    pub cosigners: Vec<Uuid>,
    /// Why these members: how the candidates were found and the first ones chosen.
    #[serde(default)]
    pub explanation: String,
    /// What coordinators were told when the panel could not form (once per panel).
    #[serde(default)]
    pub shortfall: Option<String>,
    /// The alert was cancelled: open invitations were withdrawn.
    #[serde(default)]
    pub cancelled: bool,
    #[serde(default = "Utc::now")]
    pub mobilised_at: DateTime<Utc>,
}

impl Panel {
    /// Still gathering answers: not formed, not cancelled.
    pub fn open(&self) -> bool {
        !self.formed && !self.cancelled
    }
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Pending,
    Accepted,
    Declined,
    /// The alert was cancelled before they answered.
    Withdrawn,
}

/// What an accepted member became.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Author,
    Cosigner,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invitation {
    pub invitation_id: Uuid,
    pub alert_id: Uuid,
    pub member_id: Uuid,
    pub answer: Answer,
    pub answered_at: Option<DateTime<Utc>>,
    /// What the member wrote with their answer.
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default = "Utc::now")]
    pub invited_at: DateTime<Utc>,
    #[serde(default)]
    pub reminded_at: Option<DateTime<Utc>>,
    /// An alternate was invited because they stayed silent past the budget. They can still
    /// answer.
    #[serde(default)]
    pub replaced_at: Option<DateTime<Utc>>,
    /// Their score and its reasons when they were invited.
    #[serde(default)]
    pub score: i32,
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Whom they replace, if an alternate.
    #[serde(default)]
    pub alternate_for: Option<Uuid>,
    /// The coordinator who invited them by hand.
    #[serde(default)]
    pub invited_by: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
}

/// Why an answer was not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRecorded {
    /// They had answered already: the answer recorded then.
    Already(Answer),
    /// The alert was cancelled.
    Withdrawn,
}

impl Invitation {
    pub fn new(alert_id: Uuid, scored: &Scored, now: DateTime<Utc>) -> Self {
        Self {
            invitation_id: Uuid::now_v7(),
            alert_id,
            member_id: scored.member_id,
            answer: Answer::Pending,
            answered_at: None,
            note: None,
            invited_at: now,
            reminded_at: None,
            replaced_at: None,
            score: scored.score,
            reasons: scored.reasons.clone(),
            alternate_for: None,
            invited_by: None,
            role: None,
        }
    }

    /// Accepted, or may still answer and has not been replaced.
    pub fn in_play(&self) -> bool {
        match self.answer {
            Answer::Accepted => true,
            Answer::Pending => self.replaced_at.is_none(),
            Answer::Declined | Answer::Withdrawn => false,
        }
    }

    /// Records an answer, once.
    pub fn answer(
        &mut self,
        accepted: bool,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), NotRecorded> {
        match self.answer {
            Answer::Pending => {}
            Answer::Withdrawn => return Err(NotRecorded::Withdrawn),
            done => return Err(NotRecorded::Already(done)),
        }
        self.answer = if accepted {
            Answer::Accepted
        } else {
            Answer::Declined
        };
        self.answered_at = Some(now);
        self.note = note;
        Ok(())
    }
}

/// A member's note with their answer: trimmed, at most 1,000 characters, control characters
/// (other than line breaks) refused.
pub fn note(raw: &str) -> Result<Option<String>, &'static str> {
    let note = raw.trim();
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("The note contains characters that cannot be shown.");
    }
    if note.chars().count() > 1000 {
        return Err("The note is longer than 1,000 characters.");
    }
    Ok((!note.is_empty()).then(|| note.replace("\r\n", "\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation() -> Invitation {
        let scored = Scored {
            member_id: Uuid::now_v7(),
            name: "A".into(),
            lines: vec!["muslim".into()],
            score: 5,
            reasons: vec!["topic religion +3".into()],
        };
        Invitation::new(Uuid::now_v7(), &scored, Utc::now())
    }

    #[test]
    fn an_answer_is_recorded_once() {
        let mut inv = invitation();
        inv.answer(true, Some("Glad to".into()), Utc::now())
            .unwrap();
        assert_eq!(
            inv.answer(false, None, Utc::now()),
            Err(NotRecorded::Already(Answer::Accepted))
        );
        assert_eq!(inv.note.as_deref(), Some("Glad to"));
    }

    #[test]
    fn a_withdrawn_invitation_takes_no_answer() {
        let mut inv = invitation();
        inv.answer = Answer::Withdrawn;
        assert_eq!(
            inv.answer(true, None, Utc::now()),
            Err(NotRecorded::Withdrawn)
        );
    }

    #[test]
    fn a_silent_member_replaced_is_out_of_play_until_they_answer() {
        let mut inv = invitation();
        assert!(inv.in_play());
        inv.replaced_at = Some(Utc::now());
        assert!(!inv.in_play());
        inv.answer(true, None, Utc::now()).unwrap();
        assert!(inv.in_play());
    }

    #[test]
    fn notes_are_checked() {
        assert_eq!(note("  "), Ok(None));
        assert_eq!(note("Yes,\r\nby noon"), Ok(Some("Yes,\nby noon".into())));
        assert!(note("bell\u{7}").is_err());
        assert!(note(&"x".repeat(1001)).is_err());
    }
}
