//! The shapes of intake's answers, as far as the readable views need them. Read leniently:
//! unknown fields are ignored and later additions (`status`, `stage`, `next_cursor`) are
//! optional, so this CLI works against the intake of today and of tomorrow. `--json` prints the
//! answer itself, whatever it holds.

use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Alert {
    pub alert_id: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub topics: Vec<String>,
    pub severity: String,
    #[serde(default)]
    pub languages: Vec<String>,
    pub deadline: DateTime<Utc>,
    #[serde(default)]
    pub dedup_key: Option<String>,
    #[serde(default)]
    pub raised_by: Option<String>,
    #[serde(default)]
    pub raised_at: Option<DateTime<Utc>>,
    /// `open` or `cancelled`; an intake without cancellation does not send it.
    #[serde(default)]
    pub status: Option<String>,
    /// The pipeline stage reached, when intake says; otherwise read from the timeline.
    #[serde(default)]
    pub stage: Option<String>,
    /// A stage runs past its due time.
    #[serde(default)]
    pub overdue: bool,
    /// Every language reached its editors.
    #[serde(default)]
    pub completed: bool,
    /// True when a raise repeated an alert raised earlier.
    #[serde(default)]
    pub duplicate: bool,
    /// The pipeline's stages, in order (an intake without the pipeline's clock sends none).
    #[serde(default)]
    pub stages: Vec<StageView>,
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
}

/// One stage of an alert's pipeline.
#[derive(Debug, Clone, Deserialize)]
pub struct StageView {
    pub stage: String,
    /// waiting, running, overdue, done or cancelled.
    pub state: String,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    /// Finished after its due time.
    #[serde(default)]
    pub late: bool,
    #[serde(default)]
    pub progress: String,
    #[serde(default)]
    pub actors: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TimelineEntry {
    #[serde(rename = "type")]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    #[serde(default)]
    pub producer: String,
    #[serde(default)]
    pub summary: String,
}

/// One page of `GET /api/v1/alerts`. An intake without pagination sends no `next_cursor`: that
/// is the last page. The alerts stay as sent, so `--json --all` can print them verbatim.
#[derive(Debug, Clone, Deserialize)]
pub struct AlertPage {
    pub alerts: Vec<serde_json::Value>,
    #[serde(default)]
    next_cursor: Option<String>,
}

impl AlertPage {
    /// The cursor of the next page; `None` (absent, null or empty) on the last one.
    pub fn next_cursor(&self) -> Option<String> {
        self.next_cursor.clone().filter(|c| !c.is_empty())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Token {
    pub token_id: String,
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub revoked: bool,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/tokens`: the token's view and, this once, its secret.
#[derive(Deserialize)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub view: Token,
    pub token: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenList {
    pub tokens: Vec<Token>,
}

impl Alert {
    /// `open` or `cancelled`: intake's word when it sends one, else what the timeline shows.
    pub fn status(&self) -> String {
        if let Some(status) = &self.status {
            return status.clone();
        }
        if self.has("alert.cancelled") {
            "cancelled".into()
        } else {
            "open".into()
        }
    }

    /// How far the alert has come through the pipeline (SPEC §3), from the timeline when
    /// intake does not say.
    pub fn stage(&self) -> String {
        if let Some(stage) = &self.stage {
            return if self.status.as_deref() == Some("cancelled") {
                format!("{stage} (cancelled)")
            } else if self.completed {
                "distributed".into()
            } else if self.overdue {
                format!("{stage} (overdue)")
            } else {
                stage.clone()
            };
        }
        let count = |t: &str| self.timeline.iter().filter(|e| e.event_type == t).count();
        let of = |n: usize| {
            if self.languages.is_empty() {
                n.to_string()
            } else {
                format!("{n} of {}", self.languages.len())
            }
        };
        let distributed = count("distribution.completed");
        let translated = count("translation.completed");
        if self.has("alert.cancelled") {
            "cancelled".into()
        } else if distributed > 0 && distributed >= self.languages.len() {
            "distributed".into()
        } else if distributed > 0 {
            format!("distribution ({} languages sent)", of(distributed))
        } else if translated > 0 {
            format!("translation ({} languages done)", of(translated))
        } else if self.has("oped.approved") {
            "translation (op-ed approved)".into()
        } else if self.has("panel.formed") {
            "drafting (panel formed)".into()
        } else if self.has("panel.mobilized") {
            "panel (members invited)".into()
        } else {
            "alert (raised)".into()
        }
    }

    fn has(&self, event_type: &str) -> bool {
        self.timeline.iter().any(|e| e.event_type == event_type)
    }
}

impl Token {
    /// `active`, `revoked` or `expired`.
    pub fn state(&self, now: DateTime<Utc>) -> &'static str {
        if self.revoked {
            "revoked"
        } else if self.expires_at.is_some_and(|at| at <= now) {
            "expired"
        } else {
            "active"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(events: &[&str]) -> Alert {
        let timeline: Vec<_> = events
            .iter()
            .map(|t| serde_json::json!({"type": t, "occurred_at": "2026-11-23T13:00:00Z", "producer": "x", "summary": ""}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "alert_id": "a", "title": "t", "severity": "high", "languages": ["ar", "en"],
            "deadline": "2026-11-23T19:00:00Z", "timeline": timeline
        }))
        .unwrap()
    }

    #[test]
    fn the_stage_is_read_from_the_timeline_when_intake_does_not_say() {
        assert_eq!(alert(&["alert.raised"]).stage(), "alert (raised)");
        assert_eq!(
            alert(&["alert.raised", "panel.mobilized", "panel.formed"]).stage(),
            "drafting (panel formed)"
        );
        assert_eq!(
            alert(&[
                "oped.approved",
                "translation.completed",
                "distribution.completed"
            ])
            .stage(),
            "distribution (1 of 2 languages sent)"
        );
        assert_eq!(
            alert(&["distribution.completed", "distribution.completed"]).stage(),
            "distributed"
        );
        assert_eq!(
            alert(&["alert.raised", "alert.cancelled"]).status(),
            "cancelled"
        );
        assert_eq!(alert(&["alert.raised"]).status(), "open");
    }
}
