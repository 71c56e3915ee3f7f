//! The command line: global options shared by every command, and the step from them to a
//! [`Context`] (URL checked, token found, client built).

use crate::client::{Client, Service, Token};
use crate::commands::{self, Command};
use crate::{Context, Failure};
use clap::Parser;
use reqwest::Url;
use std::path::PathBuf;
use std::time::Duration;

/// The heading under which every command's help lists the options all commands share.
const GLOBAL: &str = "Global options";

/// The coordinators' command line for rrm, the rapid-response media mechanism: raise, list,
/// show and cancel alerts and manage coordinator tokens through intake's HTTP API; manage
/// members and panels through roster's; manage translators through translation's.
// No `Debug`: it holds the token.
#[derive(Parser)]
#[command(
    name = "rrm",
    version,
    propagate_version = true,
    after_help = "Exit codes: 0 done, 1 the service refused the request (4xx), 2 usage error, \
                  3 the service unreachable or failing (5xx)."
)]
pub struct Cli {
    /// Intake's base URL, for `alert` and `token` (a path prefix such as
    /// https://rrm.example.org/intake is kept).
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "RRM_URL",
        hide_env_values = true,
        default_value = "http://127.0.0.1:8081"
    )]
    url: String,

    /// Roster's base URL, for `members` and `panel` (a path prefix such as
    /// https://rrm.example.org/roster is kept).
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "RRM_ROSTER_URL",
        hide_env_values = true,
        default_value = "http://127.0.0.1:8082",
        value_name = "URL"
    )]
    roster_url: String,

    /// Translation's base URL, for `translators` (a path prefix such as
    /// https://rrm.example.org/translation is kept).
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "RRM_TRANSLATION_URL",
        hide_env_values = true,
        default_value = "http://127.0.0.1:8084",
        value_name = "URL"
    )]
    translation_url: String,

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

    /// Seconds to wait for an answer before giving up.
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

    /// Print the service's JSON answer (pretty-printed) instead of the readable view.
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
    // Each command talks to one service; only its URL is read, so a wrong --roster-url never
    // stops an `alert` command.
    let service = cli.command.service();
    let raw = match service {
        Service::Intake => &cli.url,
        Service::Roster => &cli.roster_url,
        Service::Translation => &cli.translation_url,
    };
    let base = base_url(raw, service.flag())?;
    let token = token(cli.token, cli.token_file.as_deref())?;
    let client = Client::new(service, base, &token, Duration::from_secs(cli.timeout))?;
    let context = Context {
        client,
        json: cli.json,
    };
    commands::run(cli.command, &context).await
}

/// The base URL given to `flag` (`--url`, `--roster-url`).
fn base_url(raw: &str, flag: &str) -> Result<Url, Failure> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Failure::Usage(format!("{flag} {raw:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Failure::Usage(format!(
            "{flag} {raw:?} must be an http:// or https:// address"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Failure::Usage(format!(
            "{flag} must not carry credentials; the token goes in --token-file or RRM_TOKEN"
        )));
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
        assert!(base_url("http://127.0.0.1:8081", "--url").is_ok());
        assert!(base_url("ftp://example.org", "--url").is_err());
        assert!(base_url("127.0.0.1:8081", "--url").is_err());
        assert!(base_url("https://me:pw@example.org", "--url").is_err());
        let Err(Failure::Usage(message)) = base_url("nowhere", "--roster-url") else {
            panic!("accepted a URL without a scheme");
        };
        assert!(message.starts_with("--roster-url \"nowhere\""), "{message}");
    }
}
