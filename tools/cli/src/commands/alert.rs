//! `rrm alert …`: `POST/GET /api/v1/alerts`, `GET /api/v1/alerts/{id}`,
//! `POST /api/v1/alerts/{id}/cancel`.

use super::{emit, id, not_blank, note, pages, print_json, read, rfc3339};
use crate::api::Alert;
use crate::display::{moment, one_line, stamp, table, text, truncate};
use crate::{Context, Failure};
use chrono::{DateTime, SecondsFormat, Utc};
use clap::{Subcommand, ValueEnum};
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Raise an alert. A repeat of an alert already raised (same --dedup-key, or the same title
    /// and regions within the dedup window) returns that alert instead.
    Raise {
        /// One line naming the event.
        #[arg(long, value_parser = not_blank)]
        title: String,
        /// What happened and why it risks dividing communities.
        #[arg(long, value_parser = not_blank)]
        summary: String,
        /// A region tag; repeat the flag or separate with commas.
        #[arg(long = "region", value_name = "REGION", value_delimiter = ',')]
        regions: Vec<String>,
        /// A topic tag; repeat the flag or separate with commas.
        #[arg(long = "topic", value_name = "TOPIC", value_delimiter = ',')]
        topics: Vec<String>,
        /// How strongly the event threatens to divide.
        #[arg(long, value_enum, default_value_t = Severity::Medium)]
        severity: Severity,
        /// A target language (BCP 47, e.g. ar, zh-Hant); repeat or separate with commas.
        /// Intake's defaults (the six UN languages) when absent.
        #[arg(long = "language", value_name = "CODE", value_delimiter = ',')]
        languages: Vec<String>,
        /// When the op-eds must be with editors, RFC 3339; intake's default budget when absent.
        #[arg(long, value_parser = rfc3339, value_name = "RFC3339")]
        deadline: Option<DateTime<Utc>>,
        /// Your own key for the event: raising it again with the same key returns the first alert.
        #[arg(long, value_name = "KEY")]
        dedup_key: Option<String>,
    },
    /// List alerts, newest first.
    List {
        /// Only open or only cancelled alerts.
        #[arg(long, value_enum)]
        status: Option<Status>,
        /// Only alerts raised at or after this time (RFC 3339).
        #[arg(long, value_parser = rfc3339, value_name = "RFC3339")]
        since: Option<DateTime<Utc>>,
        /// Only alerts with a stage past its due time.
        #[arg(long)]
        overdue: bool,
        /// At most this many alerts per page.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        limit: Option<u32>,
        /// Follow every page to the end.
        #[arg(long, conflicts_with = "cursor")]
        all: bool,
        /// Start at this page (the cursor a previous page ended with).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show an alert and its timeline.
    Show {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
    },
    /// Cancel an alert: the pipeline stops working on it.
    Cancel {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
        /// Why; it goes on the alert's timeline.
        #[arg(long, value_parser = not_blank)]
        reason: String,
    },
}

/// The severities intake accepts (`rrm_contracts::Severity`).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Status {
    Open,
    Cancelled,
}

fn wire<T: ValueEnum>(value: T) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}

fn rfc3339_out(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub async fn run(command: AlertCommand, context: &Context) -> Result<(), Failure> {
    match command {
        AlertCommand::Raise {
            title,
            summary,
            regions,
            topics,
            severity,
            languages,
            deadline,
            dedup_key,
        } => {
            let mut body = json!({
                "title": title,
                "summary": summary,
                "regions": regions,
                "topics": topics,
                "severity": wire(severity),
            });
            if !languages.is_empty() {
                body["languages"] = json!(languages);
            }
            if let Some(deadline) = deadline {
                body["deadline"] = json!(rfc3339_out(deadline));
            }
            if let Some(key) = dedup_key {
                body["dedup_key"] = json!(key);
            }
            let answer = context.client.post("/api/v1/alerts", &body).await?;
            if context.json {
                return print_json(&answer.body);
            }
            let alert: Alert = read(answer.body, "an alert")?;
            let heading = if answer.status == 200 && alert.duplicate {
                "already raised"
            } else {
                "raised"
            };
            emit(&format!(
                "{heading}: {}\n{}",
                one_line(&alert.alert_id),
                details(&alert, Utc::now())
            ))
        }
        AlertCommand::List {
            status,
            since,
            overdue,
            limit,
            all,
            cursor,
        } => list(context, status, since, overdue, limit, all, cursor).await,
        AlertCommand::Show { id } => {
            let answer = context
                .client
                .get(&format!("/api/v1/alerts/{id}"), &[])
                .await?;
            if context.json {
                return print_json(&answer.body);
            }
            let alert: Alert = read(answer.body, "an alert")?;
            emit(&show(&alert, Utc::now()))
        }
        AlertCommand::Cancel { id, reason } => {
            let answer = context
                .client
                .post(
                    &format!("/api/v1/alerts/{id}/cancel"),
                    &json!({ "reason": reason }),
                )
                .await?;
            if context.json {
                return print_json(&answer.body);
            }
            let alert: Alert = read(answer.body, "an alert")?;
            emit(&format!(
                "cancelled: {}\n{}",
                one_line(&alert.alert_id),
                details(&alert, Utc::now())
            ))
        }
    }
}

async fn list(
    context: &Context,
    status: Option<Status>,
    since: Option<DateTime<Utc>>,
    overdue: bool,
    limit: Option<u32>,
    all: bool,
    cursor: Option<String>,
) -> Result<(), Failure> {
    let mut query: Vec<(&str, String)> = Vec::new();
    if let Some(limit) = limit {
        query.push(("limit", limit.to_string()));
    }
    if let Some(status) = status {
        query.push(("status", wire(status)));
    }
    if let Some(since) = since {
        query.push(("since", rfc3339_out(since)));
    }
    if overdue {
        query.push(("overdue", "true".into()));
    }
    let Some((alerts, next)) = pages(
        context,
        crate::client::Service::Intake,
        "/api/v1/alerts",
        "a page of alerts",
        query,
        all,
        cursor,
    )
    .await?
    else {
        return Ok(());
    };
    if context.json {
        // Every page in one answer of the same shape, with nothing left to follow.
        return print_json(&json!({ "alerts": alerts, "next_cursor": null }));
    }
    let alerts: Vec<Alert> = read(Value::Array(alerts), "a list of alerts")?;
    emit(&list_table(&alerts, Utc::now()))?;
    if let Some(next) = next {
        note(&format!(
            "more alerts follow: --all lists every page, --cursor {} the next one",
            one_line(&next)
        ));
    }
    Ok(())
}

fn list_table(alerts: &[Alert], now: DateTime<Utc>) -> String {
    if alerts.is_empty() {
        return "no alerts\n".into();
    }
    let rows: Vec<Vec<String>> = alerts
        .iter()
        .map(|a| {
            vec![
                one_line(&a.alert_id),
                one_line(&a.status()),
                one_line(&a.severity),
                one_line(&a.stage()),
                truncate(&one_line(&a.title), 48),
                moment(a.deadline, now),
            ]
        })
        .collect();
    table(
        &["ID", "STATUS", "SEVERITY", "STAGE", "TITLE", "DEADLINE"],
        &rows,
    )
}

/// The lines that describe an alert, indented under a heading line.
fn details(alert: &Alert, now: DateTime<Utc>) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        ("title", one_line(&alert.title)),
        ("status", one_line(&alert.status())),
        ("severity", one_line(&alert.severity)),
    ];
    let list = |items: &[String]| {
        if items.is_empty() {
            "—".to_owned()
        } else {
            one_line(&items.join(", "))
        }
    };
    rows.push(("regions", list(&alert.regions)));
    rows.push(("topics", list(&alert.topics)));
    rows.push(("languages", list(&alert.languages)));
    rows.push(("deadline", moment(alert.deadline, now)));
    if let Some(at) = alert.raised_at {
        let by = alert
            .raised_by
            .as_deref()
            .map(|b| format!(" by {}", one_line(b)))
            .unwrap_or_default();
        rows.push(("raised", format!("{}{by}", moment(at, now))));
    }
    if let Some(key) = &alert.dedup_key {
        rows.push(("dedup key", one_line(key)));
    }
    rows.iter()
        .map(|(label, value)| format!("  {label:<10} {value}\n"))
        .collect()
}

fn show(alert: &Alert, now: DateTime<Utc>) -> String {
    let mut out = format!("alert {}\n", one_line(&alert.alert_id));
    out.push_str(&details(alert, now));
    out.push_str(&format!("  {:<10} {}\n", "stage", one_line(&alert.stage())));
    out.push('\n');
    for line in text(alert.summary.trim()).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    if !alert.stages.is_empty() {
        out.push_str("\nstages\n");
        out.push_str(&stages(alert, now));
    }
    out.push_str("\ntimeline\n");
    if alert.timeline.is_empty() {
        out.push_str("  no events yet\n");
        return out;
    }
    let rows: Vec<Vec<String>> = alert
        .timeline
        .iter()
        .map(|e| {
            vec![
                format!("  {}", stamp(e.occurred_at)),
                one_line(&e.event_type),
                one_line(&e.producer),
                one_line(&e.summary),
            ]
        })
        .collect();
    let rendered = table(&["  TIME", "EVENT", "PRODUCER", "SUMMARY"], &rows);
    out.push_str(&rendered);
    out
}

/// The pipeline's stages, one line each: state, when it started, when it finished or is due,
/// what it did and who acted.
fn stages(alert: &Alert, now: DateTime<Utc>) -> String {
    let rows: Vec<Vec<String>> = alert
        .stages
        .iter()
        .map(|s| {
            let state = match (s.state.as_str(), s.late) {
                ("overdue", _) => "OVERDUE".to_owned(),
                ("done", true) => "done, late".to_owned(),
                (state, _) => one_line(state),
            };
            let started = s.started_at.map(stamp).unwrap_or_else(|| "—".into());
            let end = match (s.finished_at, s.due_at) {
                (Some(at), _) => format!("finished {}", stamp(at)),
                (None, Some(due)) if s.state != "cancelled" => format!("due {}", moment(due, now)),
                _ => "—".into(),
            };
            let who = if s.actors.is_empty() {
                String::new()
            } else {
                format!(" — {}", s.actors.join(", "))
            };
            vec![
                format!("  {}", one_line(&s.stage)),
                state,
                started,
                one_line(&end),
                one_line(&format!("{}{who}", s.progress)),
            ]
        })
        .collect();
    table(
        &["  STAGE", "STATE", "STARTED", "FINISHED / DUE", "PROGRESS"],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_timeline_reads_one_line_per_event() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 23, 14, 0, 0)
            .single()
            .unwrap();
        let alert: Alert = serde_json::from_value(json!({
            "alert_id": "0196", "title": "Burning", "summary": "Line one\nline two",
            "severity": "high", "languages": ["ar", "en"], "deadline": "2026-11-23T19:16:00Z",
            "raised_by": "desk", "raised_at": "2026-11-23T13:16:00Z",
            "timeline": [
                {"event_id": "e1", "type": "alert.raised", "occurred_at": "2026-11-23T13:16:00Z", "producer": "intake", "summary": "alert raised by desk: Burning"},
                {"event_id": "e2", "type": "panel.mobilized", "occurred_at": "2026-11-23T13:16:01Z", "producer": "roster", "summary": "4 members invited"}
            ]
        }))
        .unwrap();
        let out = show(&alert, now);
        assert!(
            out.contains("  deadline   Mon 23 Nov, 19:16 UTC (in 5 h)\n"),
            "{out}"
        );
        assert!(
            out.contains("  stage      panel (members invited)\n"),
            "{out}"
        );
        assert!(out.contains("  Line one\n  line two\n"), "{out}");
        assert!(
            out.contains(
                "  Mon 23 Nov 13:16:01 UTC  panel.mobilized  roster    4 members invited\n"
            ),
            "{out}"
        );
    }
}
