//! One module per command group, each with its clap subcommands and a `run`. Later groups
//! (`members`, `editors`, `dead-letters`) slot in as a module and a variant here.

mod alert;
mod token;

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
}

pub async fn run(command: Command, context: &Context) -> Result<(), Failure> {
    match command {
        Command::Alert(command) => alert::run(command, context).await,
        Command::Token(command) => token::run(command, context).await,
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
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
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

/// Reads an answer's body as `T`, or says the answer is not what intake sends.
fn read<T: serde::de::DeserializeOwned>(body: Value, what: &str) -> Result<T, Failure> {
    serde_json::from_value(body).map_err(|e| {
        Failure::Unexpected(format!(
            "intake's answer is not {what} as this rrm knows it ({e}); --json prints it as it came"
        ))
    })
}

/// Parses an RFC 3339 time given on the command line.
fn rfc3339(raw: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("{e}; expected RFC 3339, e.g. 2026-11-23T19:00:00Z"))
}

/// An alert's or a token's id: a UUID, checked before anything is sent.
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
