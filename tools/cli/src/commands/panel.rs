//! `rrm panel …`, against roster's API: `GET /api/v1/panels/{alert_id}` and
//! `POST /api/v1/panels/{alert_id}/invitations`.

use super::{emit, id, print_json, read_from};
use crate::api::{Invitation, Panel};
use crate::client::Service;
use crate::display::{one_line, table, text};
use crate::{Context, Failure};
use clap::Subcommand;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum PanelCommand {
    /// Show an alert's panel: how roster chose it, and each invitation with its score and why.
    Show {
        #[arg(value_name = "ALERT_ID", value_parser = id)]
        alert_id: Uuid,
    },
    /// Invite a member to an alert's panel by hand.
    Invite {
        #[arg(value_name = "ALERT_ID", value_parser = id)]
        alert_id: Uuid,
        #[arg(value_name = "MEMBER_ID", value_parser = id)]
        member_id: Uuid,
    },
}

fn read<T: serde::de::DeserializeOwned>(body: Value, what: &str) -> Result<T, Failure> {
    read_from(Service::Roster, body, what)
}

pub async fn run(command: PanelCommand, context: &Context) -> Result<(), Failure> {
    match command {
        PanelCommand::Show { alert_id } => {
            let answer = context
                .client
                .get(&format!("/api/v1/panels/{alert_id}"), &[])
                .await?;
            if context.json {
                return print_json(&answer.body);
            }
            let panel: Panel = read(answer.body, "a panel")?;
            emit(&show(&panel))
        }
        PanelCommand::Invite {
            alert_id,
            member_id,
        } => {
            let answer = context
                .client
                .post(
                    &format!("/api/v1/panels/{alert_id}/invitations"),
                    &json!({ "member_id": member_id }),
                )
                .await?;
            if context.json {
                return print_json(&answer.body);
            }
            let invitation: Invitation = read(answer.body, "an invitation")?;
            let name = if invitation.name.is_empty() {
                one_line(&invitation.member_id)
            } else {
                format!(
                    "{} ({})",
                    one_line(&invitation.name),
                    one_line(&invitation.member_id)
                )
            };
            emit(&format!(
                "invited: {name} to the panel of alert {alert_id}\n  {:<10} {}\n  {:<10} {}\n  {:<10} {}\n",
                "invitation",
                one_line(&invitation.invitation_id),
                "state",
                state(&invitation),
                "lines",
                one_line(&invitation.lines.join(", "))
            ))
        }
    }
}

/// `forming: 1 accepted (needs 2, at least 2 of them sharing no line)`, or why it will not form.
fn progress(panel: &Panel) -> String {
    let accepted = panel
        .invitations
        .iter()
        .filter(|i| i.state == "accepted")
        .count();
    let state = if panel.cancelled {
        "cancelled"
    } else if panel.formed {
        "formed"
    } else {
        "forming"
    };
    let mut out = format!(
        "{state}: {accepted} accepted (needs {}, at least {} of them sharing no line)",
        panel.needed, panel.min_lines
    );
    if let Some(shortfall) = panel.shortfall.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push_str(&format!(
            "\n  cannot form on its own: {}",
            one_line(shortfall)
        ));
    }
    out
}

/// `accepted, author`, `pending, alternate`, `pending, by hand (Night desk)`.
fn state(invitation: &Invitation) -> String {
    let mut parts = vec![one_line(&invitation.state)];
    if let Some(role) = invitation.role.as_deref().filter(|r| !r.is_empty()) {
        parts.push(one_line(role));
    }
    if invitation.alternate {
        parts.push("alternate".into());
    }
    if let Some(by) = invitation.invited_by.as_deref().filter(|b| !b.is_empty()) {
        parts.push(format!("by hand ({})", one_line(by)));
    }
    parts.join(", ")
}

fn show(panel: &Panel) -> String {
    let mut out = format!("panel for alert {}", one_line(&panel.alert_id));
    if !panel.title.is_empty() {
        out.push_str(&format!(": {}", one_line(&panel.title)));
    }
    out.push('\n');
    out.push_str(&format!("  {}\n", progress(panel)));
    let explanation = text(panel.explanation.trim());
    if !explanation.is_empty() {
        out.push('\n');
        for line in explanation.lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push('\n');
    if panel.invitations.is_empty() {
        out.push_str("no invitations yet\n");
        return out;
    }
    let rows: Vec<Vec<String>> = panel
        .invitations
        .iter()
        .map(|i| {
            let mut why = i.reasons.join("; ");
            if let Some(note) = i.note.as_deref().filter(|n| !n.trim().is_empty()) {
                if !why.is_empty() {
                    why.push_str("; ");
                }
                why.push_str(&format!("their note: {note}"));
            }
            vec![
                one_line(&i.name),
                one_line(&i.lines.join(",")),
                state(i),
                i.score.to_string(),
                one_line(&why),
            ]
        })
        .collect();
    out.push_str(&table(&["NAME", "LINES", "STATE", "SCORE", "WHY"], &rows));
    out
}
