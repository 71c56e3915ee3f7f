//! An alert's timeline: one line per event that carries the alert's id, in words.

use chrono::{DateTime, Utc};
use rrm_contracts::Event;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One line of an alert's timeline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TimelineEntry {
    /// The event's id (`alertmanager.resolved` lines have one of their own).
    pub event_id: Uuid,
    /// The event's type.
    #[serde(rename = "type")]
    #[schema(example = "panel.formed")]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    /// The service (or `alertmanager`) the event came from.
    #[schema(example = "roster")]
    pub producer: String,
    /// What the event means for the alert, in words.
    #[schema(example = "panel formed: A. Author, B. Author")]
    pub summary: String,
}

/// What an event means for the alert, as a coordinator reads it on the timeline.
pub fn describe(event: &Event) -> String {
    match event {
        Event::AlertRaised(e) => format!("alert raised by {}: {}", e.raised_by, e.title),
        Event::AlertCancelled(e) => format!("alert cancelled: {}", e.reason),
        Event::PanelMobilized(e) => {
            let count = match e.invited.len() {
                1 => "1 member invited".to_owned(),
                n => format!("{n} members invited"),
            };
            if e.explanation.is_empty() {
                count
            } else {
                format!("{count}: {}", e.explanation)
            }
        }
        Event::MemberResponded(e) => {
            let who = if e.name.is_empty() {
                format!("member {}", e.member_id)
            } else {
                e.name.clone()
            };
            let verb = if e.accepted { "accepted" } else { "declined" };
            match &e.note {
                Some(note) => format!("{who} {verb}: “{note}”"),
                None => format!("{who} {verb}"),
            }
        }
        Event::MemberReminded(e) => format!("{} reminded (no answer yet)", e.name),
        Event::PanelShortfall(e) => format!("the panel cannot form: {}", e.reason),
        Event::CosignerJoined(e) => format!("{} joined as co-signer", e.member.name),
        Event::PanelFormed(e) => format!(
            "panel formed: {}",
            e.authors
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Event::DraftVersionCreated(e) => format!("draft version {}", short(&e.version_hash)),
        Event::DraftSubmitted(e) => format!(
            "version {} submitted for signature (round {}, {} signatures needed)",
            short(&e.version_hash),
            e.round,
            e.signatories
        ),
        Event::SignatureRecorded(e) => format!(
            "member {} signed version {}",
            e.member_id,
            short(&e.version_hash)
        ),
        Event::SignatureWithdrawn(e) => format!(
            "{} withdrew their signature from version {}",
            e.name,
            short(&e.version_hash)
        ),
        Event::ChangesRequested(e) => format!(
            "{} asked for changes to version {}: {}",
            e.name,
            short(&e.version_hash),
            e.comment
        ),
        Event::SignaturesReminded(e) => format!(
            "reminded to sign version {}: {}",
            short(&e.version_hash),
            e.names.join(", ")
        ),
        Event::OpedApproved(e) => format!(
            "op-ed approved: {} ({} signatories)",
            e.title,
            e.signatories.len()
        ),
        Event::OpedCorrected(e) => format!("op-ed corrected: {}", e.note),
        Event::OpedWithdrawn(e) => format!("op-ed withdrawn: {}", e.reason),
        Event::TranslationCompleted(e) => format!("translated into {}", e.language),
        Event::TranslationFailed(e) => format!(
            "translation into {} failed after {} tries: {}",
            e.language, e.attempts, e.reason
        ),
        Event::DistributionCompleted(e) => {
            format!("{} distributed to {} editors", e.language, e.recipients)
        }
        Event::StageOverdue(e) => format!(
            "{} is overdue: due {}",
            e.stage,
            e.due_at.format("%a %-d %b, %H:%M UTC")
        ),
        Event::CoordinatorTokenIssued(_) | Event::CoordinatorTokenRevoked(_) => {
            event.event_type().to_string()
        }
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use rrm_contracts::{LanguageCode, TranslationFailed};

    #[test]
    fn a_failed_language_reads_as_failed_with_its_reason() {
        let event = Event::TranslationFailed(TranslationFailed {
            alert_id: Uuid::now_v7(),
            oped_id: Uuid::now_v7(),
            language: LanguageCode::parse("ru").unwrap(),
            reason: "not translated by its deadline".into(),
            attempts: 9,
        });
        assert_eq!(
            describe(&event),
            "translation into ru failed after 9 tries: not translated by its deadline"
        );
    }
}
