//! `rrm members …`, against roster's API: `GET/POST /api/v1/members`,
//! `GET/PATCH/DELETE /api/v1/members/{id}`, `GET /api/v1/members/{id}/data`,
//! `POST /api/v1/members/import` and `GET /api/v1/members/export`.

use super::{emit, export_csv, id, import_csv, not_blank, note, pages, print_json, read_from};
use crate::api::{Erased, Member};
use crate::client::Service;
use crate::display::{moment, one_line, table, truncate};
use crate::{Context, Failure};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// List members (active ones unless --status says otherwise), one page unless --all.
    List {
        /// Only members matching this text (roster's free-text search).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Only members of this line.
        #[arg(long, value_name = "LINE")]
        line: Option<String>,
        /// Only members who write in this language (BCP 47, e.g. ar).
        #[arg(long, value_name = "CODE")]
        language: Option<String>,
        /// Only members who cover this topic.
        #[arg(long, value_name = "TOPIC")]
        topic: Option<String>,
        /// Only members who cover this region.
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        /// Active (roster's default), inactive or all members.
        #[arg(long, value_enum)]
        status: Option<Status>,
        /// At most this many members per page (roster's default 50, at most 200).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=200))]
        limit: Option<u32>,
        /// Follow every page to the end.
        #[arg(long, conflicts_with = "cursor")]
        all: bool,
        /// Start at this page (the cursor a previous page ended with).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show a member.
    Show {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
    },
    /// Add a member to the roster.
    Add(Box<NewMember>),
    /// Change a member: only the options given change; a list option replaces the whole list
    /// (give it '' to empty it).
    Edit(Box<MemberChanges>),
    /// Take a member off the roster's invitations (kept on the roster; `activate` undoes it).
    Deactivate {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
    },
    /// Put a deactivated member back among those roster invites.
    Activate {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
    },
    /// Import members from a CSV file (the columns of `export`): new e-mails are added, known
    /// ones updated. One invalid row and nothing is imported.
    Import {
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
    },
    /// Export every member as CSV (the columns `import` reads).
    Export {
        /// Write the CSV to this file instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print everything roster holds about a member, as JSON (a privacy export).
    Data {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
    },
    /// Erase a member's personal data. Irreversible: needs --yes.
    Erase {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
        /// Confirm that the member's personal data is to be erased for good.
        #[arg(long)]
        yes: bool,
    },
}

/// `members add`: name, e-mail and at least one line are required.
#[derive(Debug, Args)]
pub struct NewMember {
    #[arg(long, value_parser = not_blank)]
    name: String,
    #[arg(long, value_parser = not_blank)]
    email: String,
    /// A line the member belongs to; repeat the flag or separate with commas.
    #[arg(
        long = "line",
        value_name = "LINE",
        value_delimiter = ',',
        required = true
    )]
    lines: Vec<String>,
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    affiliation: Option<String>,
    /// A language the member writes op-eds in (BCP 47); repeat or separate with commas.
    #[arg(long = "writes", value_name = "CODE", value_delimiter = ',')]
    writes: Vec<String>,
    /// A language the member reads (BCP 47); repeat or separate with commas.
    #[arg(long = "reads", value_name = "CODE", value_delimiter = ',')]
    reads: Vec<String>,
    /// A topic the member covers; repeat or separate with commas.
    #[arg(long = "topic", value_name = "TOPIC", value_delimiter = ',')]
    topics: Vec<String>,
    /// A region the member covers; repeat or separate with commas.
    #[arg(long = "region", value_name = "REGION", value_delimiter = ',')]
    regions: Vec<String>,
    /// The member's time zone (IANA, e.g. Europe/Paris).
    #[arg(long, value_name = "TZ")]
    time_zone: Option<String>,
    /// Not invited until this day, included.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    on_leave_until: Option<NaiveDate>,
}

/// `members edit`: every option optional.
#[derive(Debug, Args)]
pub struct MemberChanges {
    #[arg(value_name = "ID", value_parser = id)]
    id: Uuid,
    #[arg(long, value_parser = not_blank)]
    name: Option<String>,
    #[arg(long, value_parser = not_blank)]
    email: Option<String>,
    /// The member's lines (replacing them); repeat or separate with commas.
    #[arg(long = "line", value_name = "LINE", value_delimiter = ',')]
    lines: Option<Vec<String>>,
    /// The title ('' for none).
    #[arg(long)]
    title: Option<String>,
    /// The affiliation ('' for none).
    #[arg(long)]
    affiliation: Option<String>,
    /// The languages the member writes in (replacing them).
    #[arg(long = "writes", value_name = "CODE", value_delimiter = ',')]
    writes: Option<Vec<String>>,
    /// The languages the member reads (replacing them).
    #[arg(long = "reads", value_name = "CODE", value_delimiter = ',')]
    reads: Option<Vec<String>>,
    /// The topics the member covers (replacing them).
    #[arg(long = "topic", value_name = "TOPIC", value_delimiter = ',')]
    topics: Option<Vec<String>>,
    /// The regions the member covers (replacing them).
    #[arg(long = "region", value_name = "REGION", value_delimiter = ',')]
    regions: Option<Vec<String>>,
    #[arg(long, value_name = "TZ")]
    time_zone: Option<String>,
    /// Not invited until this day, included.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date, conflicts_with = "clear_leave")]
    on_leave_until: Option<NaiveDate>,
    /// The member is back from leave.
    #[arg(long)]
    clear_leave: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Status {
    Active,
    Inactive,
    All,
}

/// A day on the command line, `2026-12-01`.
fn date(raw: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|e| format!("{e}; expected a day as YYYY-MM-DD, e.g. 2026-12-01"))
}

/// A list option's values, trimmed, without blanks (so `--topic ''` is the empty list).
fn tags(values: Vec<String>) -> Vec<String> {
    values
        .into_iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

fn read<T: serde::de::DeserializeOwned>(body: Value, what: &str) -> Result<T, Failure> {
    read_from(Service::Roster, body, what)
}

pub async fn run(command: MembersCommand, context: &Context) -> Result<(), Failure> {
    match command {
        MembersCommand::List {
            search,
            line,
            language,
            topic,
            region,
            status,
            limit,
            all,
            cursor,
        } => {
            let mut query: Vec<(&str, String)> = Vec::new();
            for (key, value) in [
                ("q", search),
                ("line", line),
                ("language", language),
                ("topic", topic),
                ("region", region),
            ] {
                if let Some(value) = value {
                    query.push((key, value));
                }
            }
            if let Some(status) = status {
                query.push(("status", wire(status)));
            }
            if let Some(limit) = limit {
                query.push(("limit", limit.to_string()));
            }
            list(context, query, all, cursor).await
        }
        MembersCommand::Show { id } => {
            let answer = context
                .client
                .get(&format!("/api/v1/members/{id}"), &[])
                .await?;
            show(context, answer.body, "member")
        }
        MembersCommand::Add(new) => {
            let answer = context
                .client
                .post("/api/v1/members", &add_body(*new))
                .await?;
            show(context, answer.body, "added")
        }
        MembersCommand::Edit(changes) => {
            let id = changes.id;
            let body = edit_body(*changes)?;
            let answer = context
                .client
                .patch(&format!("/api/v1/members/{id}"), &body)
                .await?;
            show(context, answer.body, "updated")
        }
        MembersCommand::Deactivate { id } => {
            let answer = context
                .client
                .patch(&format!("/api/v1/members/{id}"), &json!({"active": false}))
                .await?;
            show(context, answer.body, "deactivated")
        }
        MembersCommand::Activate { id } => {
            let answer = context
                .client
                .patch(&format!("/api/v1/members/{id}"), &json!({"active": true}))
                .await?;
            show(context, answer.body, "activated")
        }
        MembersCommand::Import { file } => {
            import_csv(context, "/api/v1/members/import", &file).await
        }
        MembersCommand::Export { output } => {
            export_csv(
                context,
                "/api/v1/members/export",
                output.as_deref(),
                "the roster",
            )
            .await
        }
        MembersCommand::Data { id } => {
            let answer = context
                .client
                .get(&format!("/api/v1/members/{id}/data"), &[])
                .await?;
            // JSON whatever --json says: it is the member's data, to be handed over as it is.
            print_json(&answer.body)
        }
        MembersCommand::Erase { id, yes } => {
            if !yes {
                return Err(Failure::Usage(format!(
                    "erasing member {id} deletes their personal data for good: it cannot be \
                     undone. Run again with --yes to erase it (`rrm members data {id}` first \
                     keeps a copy)"
                )));
            }
            let answer = context
                .client
                .delete(&format!("/api/v1/members/{id}"))
                .await?;
            if context.json {
                return print_json(&answer.body);
            }
            let erased: Erased = read(answer.body, "an erasure")?;
            if !erased.erased {
                return Err(Failure::Unexpected(format!(
                    "roster answered without erasing member {}; --json prints its answer",
                    one_line(&erased.member_id)
                )));
            }
            emit(&format!(
                "erased: {} (personal data deleted)\n",
                one_line(&erased.member_id)
            ))
        }
    }
}

fn wire<T: ValueEnum>(value: T) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}

/// Prints a member answer: as it came for --json, else `heading: ID` and the details.
fn show(context: &Context, body: Value, heading: &str) -> Result<(), Failure> {
    if context.json {
        return print_json(&body);
    }
    let member: Member = read(body, "a member")?;
    let separator = if heading == "member" { " " } else { ": " };
    emit(&format!(
        "{heading}{separator}{}\n{}",
        one_line(&member.member_id),
        details(&member, Utc::now())
    ))
}

fn add_body(new: NewMember) -> Value {
    let mut body = Map::new();
    body.insert("name".into(), json!(new.name));
    body.insert("email".into(), json!(new.email));
    body.insert("lines".into(), json!(tags(new.lines)));
    for (key, value) in [
        ("title", new.title),
        ("affiliation", new.affiliation),
        ("time_zone", new.time_zone),
    ] {
        if let Some(value) = value {
            body.insert(key.into(), json!(value.trim()));
        }
    }
    for (key, values) in [
        ("languages_written", new.writes),
        ("languages_read", new.reads),
        ("topics", new.topics),
        ("regions", new.regions),
    ] {
        let values = tags(values);
        if !values.is_empty() {
            body.insert(key.into(), json!(values));
        }
    }
    if let Some(until) = new.on_leave_until {
        body.insert("on_leave_until".into(), json!(until.to_string()));
    }
    Value::Object(body)
}

/// The PATCH body: only what was given. Nothing given is a usage error, not an empty PATCH.
fn edit_body(changes: MemberChanges) -> Result<Value, Failure> {
    let mut body = Map::new();
    for (key, value) in [
        ("name", changes.name),
        ("email", changes.email),
        ("title", changes.title),
        ("affiliation", changes.affiliation),
        ("time_zone", changes.time_zone),
    ] {
        if let Some(value) = value {
            body.insert(key.into(), json!(value.trim()));
        }
    }
    for (key, values) in [
        ("lines", changes.lines),
        ("languages_written", changes.writes),
        ("languages_read", changes.reads),
        ("topics", changes.topics),
        ("regions", changes.regions),
    ] {
        if let Some(values) = values {
            body.insert(key.into(), json!(tags(values)));
        }
    }
    if let Some(until) = changes.on_leave_until {
        body.insert("on_leave_until".into(), json!(until.to_string()));
    } else if changes.clear_leave {
        body.insert("on_leave_until".into(), Value::Null);
    }
    if body.is_empty() {
        return Err(Failure::Usage(
            "nothing to change: give at least one option, e.g. --title or --clear-leave".into(),
        ));
    }
    Ok(Value::Object(body))
}

async fn list(
    context: &Context,
    query: Vec<(&str, String)>,
    all: bool,
    cursor: Option<String>,
) -> Result<(), Failure> {
    let Some((members, next)) = pages(
        context,
        Service::Roster,
        "/api/v1/members",
        "a page of members",
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
        return print_json(&json!({ "members": members, "next_cursor": null }));
    }
    let members: Vec<Member> = read(Value::Array(members), "a list of members")?;
    emit(&list_table(&members, Utc::now().date_naive()))?;
    if let Some(next) = next {
        note(&format!(
            "more members follow: --all lists every page, --cursor {} the next one",
            one_line(&next)
        ));
    }
    Ok(())
}

fn list_table(members: &[Member], today: NaiveDate) -> String {
    if members.is_empty() {
        return "no members\n".into();
    }
    let rows: Vec<Vec<String>> = members
        .iter()
        .map(|m| {
            vec![
                truncate(&one_line(&m.name), 32),
                one_line(&m.email),
                one_line(&m.lines.join(",")),
                one_line(&m.languages_written.join(",")),
                m.status(today),
                one_line(&m.member_id),
            ]
        })
        .collect();
    table(&["NAME", "EMAIL", "LINES", "WRITES", "STATUS", "ID"], &rows)
}

/// The lines that describe a member, indented under a heading line.
fn details(member: &Member, now: DateTime<Utc>) -> String {
    let list = |items: &[String]| {
        if items.is_empty() {
            "—".to_owned()
        } else {
            one_line(&items.join(", "))
        }
    };
    let or_dash = |s: &str| {
        let s = one_line(s);
        if s.is_empty() { "—".to_owned() } else { s }
    };
    let mut rows: Vec<(&str, String)> = vec![
        ("name", one_line(&member.name)),
        ("title", or_dash(&member.title)),
        ("affiliation", or_dash(&member.affiliation)),
        ("email", one_line(&member.email)),
        ("lines", list(&member.lines)),
        ("writes", list(&member.languages_written)),
        ("reads", list(&member.languages_read)),
        ("topics", list(&member.topics)),
        ("regions", list(&member.regions)),
        (
            "time zone",
            or_dash(member.time_zone.as_deref().unwrap_or_default()),
        ),
        ("status", member.status(now.date_naive())),
    ];
    if let Some(at) = member.created_at {
        rows.push(("added", moment(at, now)));
    }
    if let Some(at) = member.updated_at {
        rows.push(("updated", moment(at, now)));
    }
    rows.iter()
        .map(|(label, value)| format!("  {label:<11} {value}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(subcommand)]
        command: MembersCommand,
    }

    fn parse(args: &[&str]) -> MembersCommand {
        let mut argv = vec!["members"];
        argv.extend_from_slice(args);
        Wrapper::try_parse_from(argv).unwrap().command
    }

    const ID: &str = "0196b3a4-1111-7000-8000-000000000001";

    #[test]
    fn an_edit_sends_only_what_was_given_and_empties_a_list_given_blank() {
        let MembersCommand::Edit(changes) = parse(&[
            "edit",
            ID,
            "--title",
            "",
            "--topic",
            "",
            "--writes",
            "ar,fr",
            "--clear-leave",
        ]) else {
            panic!("not an edit");
        };
        assert_eq!(
            edit_body(*changes).unwrap(),
            json!({"title": "", "topics": [], "languages_written": ["ar", "fr"], "on_leave_until": null})
        );
    }

    #[test]
    fn an_edit_without_changes_is_a_usage_error() {
        let MembersCommand::Edit(changes) = parse(&["edit", ID]) else {
            panic!("not an edit");
        };
        assert!(matches!(edit_body(*changes), Err(Failure::Usage(_))));
    }

    #[test]
    fn leave_is_set_or_cleared_never_both() {
        let argv = [
            "members",
            "edit",
            ID,
            "--on-leave-until",
            "2026-12-01",
            "--clear-leave",
        ];
        assert!(Wrapper::try_parse_from(argv).is_err());
    }
}
