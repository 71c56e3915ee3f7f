//! The shapes of intake's and roster's answers, as far as the readable views need them. Read
//! leniently: unknown fields are ignored and later additions (`status`, `stage`, `next_cursor`)
//! are optional, so this CLI works against the services of today and of tomorrow. `--json`
//! prints the answer itself, whatever it holds.

use chrono::{DateTime, NaiveDate, Utc};
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

/// One page of a listing (`GET /api/v1/alerts`, `GET /api/v1/members`). A service without
/// pagination sends no `next_cursor`: that is the last page. The items stay as sent, so
/// `--json --all` can print them verbatim.
#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    #[serde(alias = "alerts", alias = "members")]
    pub items: Vec<serde_json::Value>,
    #[serde(default)]
    next_cursor: Option<String>,
}

impl Page {
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

/// A member of the roster (roster's `Member`).
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub member_id: String,
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub affiliation: String,
    pub email: String,
    #[serde(default)]
    pub lines: Vec<String>,
    #[serde(default)]
    pub languages_written: Vec<String>,
    #[serde(default)]
    pub languages_read: Vec<String>,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub on_leave_until: Option<NaiveDate>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

fn yes() -> bool {
    true
}

impl Member {
    /// `inactive`, `on leave until 2026-12-01` (through that day) or `active`.
    pub fn status(&self, today: NaiveDate) -> String {
        match self.on_leave_until {
            _ if !self.active => "inactive".into(),
            Some(until) if until >= today => format!("on leave until {until}"),
            _ => "active".into(),
        }
    }
}

/// `POST /api/v1/members/import`: how many rows were read, created and updated.
#[derive(Debug, Clone, Deserialize)]
pub struct Imported {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
}

/// `DELETE /api/v1/members/{id}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Erased {
    pub member_id: String,
    #[serde(default)]
    pub erased: bool,
}

/// An alert's panel as roster forms it (`GET /api/v1/panels/{alert_id}`).
#[derive(Debug, Clone, Deserialize)]
pub struct Panel {
    pub alert_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub formed: bool,
    #[serde(default)]
    pub needed: u32,
    #[serde(default)]
    pub min_lines: u32,
    #[serde(default)]
    pub explanation: String,
    /// The alert was cancelled: open invitations were withdrawn.
    #[serde(default)]
    pub cancelled: bool,
    /// What coordinators were told when the panel could not form.
    #[serde(default)]
    pub shortfall: Option<String>,
    #[serde(default)]
    pub invitations: Vec<Invitation>,
}

/// A member's invitation to a panel.
#[derive(Debug, Clone, Deserialize)]
pub struct Invitation {
    pub invitation_id: String,
    pub member_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub lines: Vec<String>,
    /// pending, accepted, declined, withdrawn or expired.
    pub state: String,
    #[serde(default)]
    pub score: i64,
    #[serde(default)]
    pub reasons: Vec<String>,
    /// What the member wrote when answering.
    #[serde(default)]
    pub note: Option<String>,
    /// Invited in place of a member who declined or did not answer in time.
    #[serde(default)]
    pub alternate: bool,
    /// The coordinator who invited them by hand, when roster did not choose them.
    #[serde(default)]
    pub invited_by: Option<String>,
    /// author or cosigner, once the panel is drafting.
    #[serde(default)]
    pub role: Option<String>,
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
    fn a_members_status_says_inactive_then_on_leave_then_active() {
        let member = |active: bool, leave: Option<&str>| -> Member {
            serde_json::from_value(serde_json::json!({
                "member_id": "m", "name": "n", "email": "e@example.org", "active": active,
                "on_leave_until": leave
            }))
            .unwrap()
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(member(false, Some("2026-12-01")).status(today), "inactive");
        assert_eq!(
            member(true, Some("2026-12-01")).status(today),
            "on leave until 2026-12-01"
        );
        assert_eq!(
            member(true, Some("2026-11-23")).status(today),
            "on leave until 2026-11-23"
        );
        assert_eq!(member(true, Some("2026-11-22")).status(today), "active");
        assert_eq!(member(true, None).status(today), "active");
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
