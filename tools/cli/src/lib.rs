//! `rrm`, the coordinators' command line: a client of two services' HTTP APIs (`/api/v1/`) —
//! intake's for alerts and tokens (`--url`), roster's for members and panels (`--roster-url`) —
//! and of nothing else: it never opens a store or talks to the broker.
//!
//! # Layout
//!
//! - `cli`: the command line (clap), global options, and turning them into a [`Context`].
//! - `client`: the one HTTP client: bearer token, timeout, no redirects, problem+json answers.
//! - `failure`: everything that can go wrong, each with its exit code and readable message.
//! - `api`: the shapes of intake's and roster's answers, read leniently so a newer service
//!   still works.
//! - `display`: readable times, tables and alert summaries.
//! - `commands/`: one module per command group (`alert`, `token`, `members`, `panel`); a new
//!   group is a new module and one variant in `commands::Command`, which also names the service
//!   it talks to.

mod api;
mod cli;
mod client;
mod commands;
mod display;
mod failure;

use std::process::ExitCode;

pub use failure::Failure;

/// What every command needs: where to send requests, and how to print answers.
pub struct Context {
    /// A client of the service the command talks to (intake, or roster).
    pub client: client::Client,
    /// `--json`: print the service's answer as it came (pretty-printed) instead of a readable
    /// view.
    pub json: bool,
}

/// Parses the command line, runs the command and maps the outcome to the exit code:
/// 0 done, 1 refused by the service (4xx), 2 usage, 3 the service unreachable or failing (5xx).
pub fn main() -> ExitCode {
    let cli = cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return report(&Failure::Unexpected(format!("cannot start: {e}"))),
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(&failure),
    }
}

fn report(failure: &Failure) -> ExitCode {
    use std::io::Write as _;
    let _ = std::io::stderr()
        .lock()
        .write_all(failure.render().as_bytes());
    ExitCode::from(failure.exit_code())
}
