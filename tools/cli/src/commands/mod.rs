//! One module per command group, each with its clap subcommands and a `run`. Later groups
//! (`editors`, `dead-letters`) slot in as a module, a variant here and the service it talks to.

mod alert;
mod members;
mod panel;
mod token;
mod translators;

use crate::client::Service;
use crate::{Context, Failure};
use clap::Subcommand;
use serde_json::Value;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Raise, list, show and cancel alerts.
    #[command(subcommand)]
    Alert(alert::AlertCommand),
    /// Create, list and revoke coordinator tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// List, add, edit, import, export and erase roster members (roster's API, --roster-url).
    #[command(subcommand)]
    Members(members::MembersCommand),
    /// Show an alert's panel and invite a member by hand (roster's API, --roster-url).
    #[command(subcommand)]
    Panel(panel::PanelCommand),
    /// List, add, edit, pause, remove, import and export translators (translation's API,
    /// --translation-url).
    #[command(subcommand)]
    Translators(translators::TranslatorsCommand),
}

impl Command {
    /// The service the command talks to.
    pub fn service(&self) -> Service {
        match self {
            Command::Alert(_) | Command::Token(_) => Service::Intake,
            Command::Members(_) | Command::Panel(_) => Service::Roster,
            Command::Translators(_) => Service::Translation,
        }
    }
}

pub async fn run(command: Command, context: &Context) -> Result<(), Failure> {
    match command {
        Command::Alert(command) => alert::run(command, context).await,
        Command::Token(command) => token::run(command, context).await,
        Command::Members(command) => members::run(command, context).await,
        Command::Panel(command) => panel::run(command, context).await,
        Command::Translators(command) => translators::run(command, context).await,
    }
}

/// Prints `value` for `--json`.
fn print_json(value: &Value) -> Result<(), Failure> {
    let pretty = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    emit(&format!("{pretty}\n"))
}

/// Writes `text` to stdout. A reader that went away (`rrm alert list --all | head -1`) is not an
/// error — Rust's `print!` would panic there.
fn emit(text: &str) -> Result<(), Failure> {
    emit_bytes(text.as_bytes())
}

/// Writes `bytes` to stdout as they are (a CSV export), like [`emit`].
fn emit_bytes(bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Unexpected(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

/// A line for the person at the terminal (stderr), best effort.
fn note(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Reads an intake answer's body as `T`, or says the answer is not what intake sends.
fn read<T: serde::de::DeserializeOwned>(body: Value, what: &str) -> Result<T, Failure> {
    read_from(Service::Intake, body, what)
}

/// The items of the listing at `path`: one page (from `cursor`), or with `all` every page,
/// following the cursor and refusing one repeated. With `--json` and one page the answer is
/// printed as it came, and `None` returned. Also the cursor of a next page left unread.
async fn pages(
    context: &Context,
    service: Service,
    path: &str,
    what: &str,
    query: Vec<(&str, String)>,
    all: bool,
    mut cursor: Option<String>,
) -> Result<Option<(Vec<Value>, Option<String>)>, Failure> {
    let mut items: Vec<Value> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    loop {
        let mut query = query.clone();
        if let Some(cursor) = &cursor {
            query.push(("cursor", cursor.clone()));
        }
        let answer = context.client.get(path, &query).await?;
        if !all && context.json {
            print_json(&answer.body)?;
            return Ok(None);
        }
        let page: crate::api::Page = read_from(service, answer.body, what)?;
        let next = page.next_cursor();
        items.extend(page.items);
        if !all {
            return Ok(Some((items, next)));
        }
        match next {
            None => return Ok(Some((items, None))),
            Some(next) if seen.contains(&next) => {
                return Err(Failure::Unexpected(format!(
                    "{} repeated the cursor {:?}: stopping rather than looping",
                    service.name(),
                    crate::display::one_line(&next)
                )));
            }
            Some(next) => {
                seen.push(next.clone());
                cursor = Some(next);
            }
        }
    }
}

/// Reads an answer's body from `service` as `T`, or says the answer is not what it sends.
fn read_from<T: serde::de::DeserializeOwned>(
    service: Service,
    body: Value,
    what: &str,
) -> Result<T, Failure> {
    serde_json::from_value(body).map_err(|e| {
        Failure::Unexpected(format!(
            "{}'s answer is not {what} as this rrm knows it ({e}); --json prints it as it came",
            service.name()
        ))
    })
}

/// Parses an RFC 3339 time given on the command line.
fn rfc3339(raw: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("{e}; expected RFC 3339, e.g. 2026-11-23T19:00:00Z"))
}

/// An alert's, a token's or a member's id: a UUID, checked before anything is sent.
fn id(raw: &str) -> Result<uuid::Uuid, String> {
    uuid::Uuid::parse_str(raw.trim())
        .map_err(|_| "not an id; ids are UUIDs like 0196b3a4-5c1d-7e2f-8a9b-0c1d2e3f4a5b".into())
}

/// A value that must not be blank (a reason, a name).
fn not_blank(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(trimmed.to_owned())
    }
}

/// `… import FILE`: sends the CSV file as it is (`text/csv`) to `path`, and prints what the
/// service imported. Services import all rows or none: each bad row comes back as a problem.
async fn import_csv(context: &Context, path: &str, file: &std::path::Path) -> Result<(), Failure> {
    let bytes = std::fs::read(file)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
    let answer = context
        .client
        .post_raw(
            path,
            crate::client::Raw {
                content_type: "text/csv",
                bytes,
            },
        )
        .await?;
    if context.json {
        return print_json(&answer.body);
    }
    let imported: crate::api::Imported =
        read_from(context.client.service(), answer.body, "an import's summary")?;
    emit(&format!(
        "imported {} rows: {} created, {} updated\n",
        imported.rows, imported.created, imported.updated
    ))
}

/// `… export [--output FILE]`: the CSV at `path`, to stdout or to a file readable by its owner
/// only (`what` is personal data: "the roster", "the translators").
async fn export_csv(
    context: &Context,
    path: &str,
    output: Option<&std::path::Path>,
    what: &str,
) -> Result<(), Failure> {
    // A directory that is not there is the command line's fault: say so before asking.
    if let Some(file) = output
        && let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(Failure::Usage(format!(
            "cannot write {}: {} is not a directory",
            file.display(),
            parent.display()
        )));
    }
    let csv = context.client.get_text(path, "text/csv").await?;
    let Some(file) = output else {
        return emit_bytes(&csv);
    };
    write_private(file, &csv)
        .map_err(|e| Failure::Unexpected(format!("cannot write {}: {e}", file.display())))?;
    note(&format!("exported {what} to {}", file.display()));
    Ok(())
}

/// Writes `bytes` to `path`, readable by its owner only when the file is new: the roster is
/// personal data.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
