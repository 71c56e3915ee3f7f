//! Roster rules: who is invited for an alert, and when a panel is formed.

use chrono::{DateTime, Utc};
use rrm_contracts::{AlertRaised, EmailAddress, PanelMember};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub member_id: Uuid,
    pub name: String,
    pub email: EmailAddress,
    /// The cultural, religious or national line the member speaks from.
    pub line: String,
    pub regions: Vec<String>,
    pub topics: Vec<String>,
    pub languages: Vec<String>,
    #[serde(default = "yes")]
    pub available: bool,
}

fn yes() -> bool {
    true
}

impl Member {
    /// How well the member matches an alert: topics count double, regions once; `global` matches
    /// any region.
    pub fn score(&self, topics: &[String], regions: &[String]) -> u32 {
        let topic_hits = self.topics.iter().filter(|t| topics.contains(t)).count() as u32;
        let region_hits = self
            .regions
            .iter()
            .filter(|r| regions.contains(r) || r.as_str() == "global")
            .count() as u32;
        topic_hits * 2 + region_hits
    }
}

/// Picks up to `size` members for a panel, best match first, but first one from each of the
/// `min_lines` best-represented different lines, so the panel can be balanced across lines.
pub fn select_panel<'a>(
    members: &'a [Member],
    topics: &[String],
    regions: &[String],
    size: usize,
    min_lines: usize,
) -> Vec<&'a Member> {
    let mut ranked: Vec<&Member> = members.iter().filter(|m| m.available).collect();
    ranked.sort_by(|a, b| {
        b.score(topics, regions)
            .cmp(&a.score(topics, regions))
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut chosen: Vec<&Member> = Vec::new();
    let mut lines = BTreeSet::new();
    // One per line, best first, until the panel spans enough lines.
    for m in &ranked {
        if chosen.len() >= size || lines.len() >= min_lines {
            break;
        }
        if lines.insert(m.line.as_str()) {
            chosen.push(m);
        }
    }
    // Then the best of the rest.
    for m in &ranked {
        if chosen.len() >= size {
            break;
        }
        if !chosen.iter().any(|c| c.member_id == m.member_id) {
            chosen.push(m);
        }
    }
    chosen
}

/// Whether the accepted members make a panel: enough of them, from enough different lines.
pub fn panel_complete(accepted: &[&Member], authors_needed: usize, min_lines: usize) -> bool {
    let lines: BTreeSet<&str> = accepted.iter().map(|m| m.line.as_str()).collect();
    accepted.len() >= authors_needed && lines.len() >= min_lines
}

/// One row of the members CSV: `name,email,line,regions,topics,languages` (lists `;`-separated).
#[derive(Debug, Deserialize)]
pub struct MemberRow {
    pub name: String,
    pub email: String,
    pub line: String,
    #[serde(default)]
    pub regions: String,
    #[serde(default)]
    pub topics: String,
    #[serde(default)]
    pub languages: String,
}

pub fn list(raw: &str) -> Vec<String> {
    raw.split(';')
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads a members CSV; any bad row fails the whole import (nothing half-loaded).
pub fn parse_members(reader: impl std::io::Read) -> anyhow::Result<Vec<(EmailAddress, MemberRow)>> {
    let mut rows = Vec::new();
    for (i, row) in csv::Reader::from_reader(reader)
        .deserialize::<MemberRow>()
        .enumerate()
    {
        let line = i + 2;
        let row = row.map_err(|e| anyhow::anyhow!("members CSV line {line}: {e}"))?;
        let email = EmailAddress::parse(&row.email)
            .map_err(|e| anyhow::anyhow!("members CSV line {line}: {e}"))?;
        if row.name.trim().is_empty() || row.line.trim().is_empty() {
            anyhow::bail!("members CSV line {line}: name and line are required");
        }
        rows.push((email, row));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, line: &str, topics: &[&str]) -> Member {
        Member {
            member_id: Uuid::now_v7(),
            name: name.into(),
            email: EmailAddress::parse(&format!("{}@x.org", name.to_lowercase())).unwrap(),
            line: line.into(),
            regions: vec!["europe".into()],
            topics: topics.iter().map(|t| t.to_string()).collect(),
            languages: vec!["en".into()],
            available: true,
        }
    }

    #[test]
    fn the_panel_spans_two_lines_even_when_one_line_matches_best() {
        let members = vec![
            member("A", "Muslim", &["religion", "media"]),
            member("B", "Muslim", &["religion", "media"]),
            member("C", "Muslim", &["religion"]),
            member("D", "Jewish", &[]),
        ];
        let topics = vec!["religion".to_string(), "media".to_string()];
        let panel = select_panel(&members, &topics, &["europe".into()], 3, 2);
        let names: Vec<_> = panel.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, vec!["A", "D", "B"]);
    }

    #[test]
    fn unavailable_members_are_not_invited() {
        let mut members = vec![member("A", "X", &["religion"]), member("B", "Y", &[])];
        members[0].available = false;
        let panel = select_panel(&members, &["religion".into()], &[], 4, 2);
        assert_eq!(panel.len(), 1);
        assert_eq!(panel[0].name, "B");
    }

    #[test]
    fn a_panel_needs_enough_authors_from_enough_lines() {
        let a = member("A", "Muslim", &[]);
        let b = member("B", "Muslim", &[]);
        let c = member("C", "Jewish", &[]);
        assert!(!panel_complete(&[&a], 2, 2));
        assert!(
            !panel_complete(&[&a, &b], 2, 2),
            "two authors of one line are not balanced"
        );
        assert!(panel_complete(&[&a, &c], 2, 2));
    }

    #[test]
    fn a_bad_csv_row_names_its_line() {
        let csv = "name,email,line,regions,topics,languages\nA,a@x.org,L,,,\nB,not-an-email,L,,,\n";
        let err = parse_members(csv.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Panel {
    pub panel_id: Uuid,
    pub alert: AlertRaised,
    pub invitations: Vec<Uuid>,
    pub formed: bool,
    /// The members who became its authors when it formed.
    #[serde(default)]
    pub authors: Vec<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Pending,
    Accepted,
    Declined,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invitation {
    pub invitation_id: Uuid,
    pub alert_id: Uuid,
    pub member_id: Uuid,
    pub answer: Answer,
    pub answered_at: Option<DateTime<Utc>>,
}

pub(crate) fn panel_member(m: &Member) -> PanelMember {
    PanelMember {
        member_id: m.member_id,
        name: m.name.clone(),
        email: m.email.clone(),
        line: m.line.clone(),
    }
}
