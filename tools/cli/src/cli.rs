//! The command line: global options shared by every command, and the step from them to a
//! [`Context`] (URL checked, token found, client built).

use crate::client::{Client, Token};
use crate::commands::{self, Command};
use crate::{Context, Failure};
use clap::Parser;
use reqwest::Url;
use std::path::PathBuf;
use std::time::Duration;

/// The heading under which every command's help lists the options all commands share.
const GLOBAL: &str = "Global options";

/// The coordinators' command line for rrm, the rapid-response media mechanism: raise, list,
/// show and cancel alerts, and manage coordinator tokens, through intake's HTTP API.
// No `Debug`: it holds the token.
#[derive(Parser)]
#[command(
    name = "rrm",
    version,
    propagate_version = true,
    after_help = "Exit codes: 0 done, 1 intake refused the request (4xx), 2 usage error, \
                  3 intake unreachable or failing (5xx)."
)]
pub struct Cli {
    /// Intake's base URL (a path prefix such as https://rrm.example.org/intake is kept).
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "RRM_URL",
        hide_env_values = true,
        default_value = "http://127.0.0.1:8081"
    )]
    url: String,

    /// The coordinator token. Prefer RRM_TOKEN or --token-file: a command line is visible to
    /// other users of the machine. [env: RRM_TOKEN]
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        value_name = "TOKEN",
        conflicts_with = "token_file"
    )]
    token: Option<String>,

    /// Read the coordinator token from this file (surrounding whitespace is ignored).
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "PATH")]
    token_file: Option<PathBuf>,

    /// Seconds to wait for intake's answer before giving up.
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "RRM_TIMEOUT",
        hide_env_values = true,
        default_value_t = 30,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    timeout: u64,

    /// Print intake's JSON answer (pretty-printed) instead of the readable view.
    #[arg(long, global = true, help_heading = GLOBAL)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

/// Parses the command line; on a usage error clap prints it and exits with 2 (0 for --help).
pub fn parse() -> Cli {
    Cli::parse()
}

pub async fn run(cli: Cli) -> Result<(), Failure> {
    let base = base_url(&cli.url)?;
    let token = token(cli.token, cli.token_file.as_deref())?;
    let client = Client::new(base, &token, Duration::from_secs(cli.timeout))?;
    let context = Context {
        client,
        json: cli.json,
    };
    commands::run(cli.command, &context).await
}

fn base_url(raw: &str) -> Result<Url, Failure> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Failure::Usage(format!("--url {raw:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Failure::Usage(format!(
            "--url {raw:?} must be an http:// or https:// address"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Failure::Usage(
            "--url must not carry credentials; the token goes in --token-file or RRM_TOKEN".into(),
        ));
    }
    Ok(url)
}

/// The token from `--token`, else `--token-file`, else `RRM_TOKEN`. Never echoed, even in errors.
fn token(flag: Option<String>, file: Option<&std::path::Path>) -> Result<Token, Failure> {
    let (token, source) = if let Some(token) = flag {
        (token, "--token".to_owned())
    } else if let Some(path) = file {
        let content = std::fs::read_to_string(path).map_err(|e| {
            Failure::Usage(format!(
                "cannot read the token file {}: {e}",
                path.display()
            ))
        })?;
        (content, format!("the token file {}", path.display()))
    } else if let Ok(token) = std::env::var("RRM_TOKEN") {
        (token, "RRM_TOKEN".to_owned())
    } else {
        return Err(Failure::Usage(
            "no coordinator token: set RRM_TOKEN, or pass --token-file PATH (or --token TOKEN)"
                .into(),
        ));
    };
    let token = token.trim();
    if token.is_empty() {
        return Err(Failure::Usage(format!(
            "the coordinator token in {source} is empty"
        )));
    }
    Ok(Token::new(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_base_url_must_be_http_without_credentials() {
        assert!(base_url("http://127.0.0.1:8081").is_ok());
        assert!(base_url("ftp://example.org").is_err());
        assert!(base_url("127.0.0.1:8081").is_err());
        assert!(base_url("https://me:pw@example.org").is_err());
    }
}
