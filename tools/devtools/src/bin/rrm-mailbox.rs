//! `rrm-mailbox`: a web UI over an smtp-sink dump directory.

use std::time::Duration;

use anyhow::Result;
use rrm_devtools::cli::{self, Flags};
use rrm_devtools::mailbox;

const USAGE: &str = "\
rrm-mailbox: browse the mail captured by Postfix smtp-sink

Usage: rrm-mailbox --dir DIR [--bind ADDR] [--min-age-ms N]

  --dir DIR         smtp-sink dump directory (env RRM_MAILBOX_DIR), as in
                    smtp-sink -u nobody -d \"DIR/%Y%m%d%H%M%S.\" 127.0.0.1:2525 100
  --bind ADDR       listen address (env RRM_MAILBOX_BIND, default 127.0.0.1:8025)
  --min-age-ms N    hide files modified less than N ms ago (default 250)
  -h, --help        show this help

Pages: /  /messages/{file}  /messages/{file}/raw  /api/messages  /healthz";

#[tokio::main]
async fn main() -> Result<()> {
    let flags = Flags::parse(std::env::args().skip(1), &["dir", "bind", "min-age-ms"])
        .unwrap_or_else(|e| cli::exit_with_usage(&e, USAGE));
    let Some(dir) = flags.get_or_env("dir", "RRM_MAILBOX_DIR") else {
        cli::exit_with_usage(
            &cli::CliError::Usage("--dir (or RRM_MAILBOX_DIR) is required".into()),
            USAGE,
        )
    };
    let bind = flags
        .get_or_env("bind", "RRM_MAILBOX_BIND")
        .unwrap_or_else(|| "127.0.0.1:8025".into());
    let min_age_ms: u64 = flags
        .number("min-age-ms")
        .unwrap_or_else(|e| cli::exit_with_usage(&e, USAGE))
        .unwrap_or(250);

    cli::init_logging();
    let opts = mailbox::Options {
        dir: dir.into(),
        min_age: Duration::from_millis(min_age_ms),
    };
    if !opts.dir.is_dir() {
        tracing::warn!(dir = %opts.dir.display(), "dump directory does not exist yet");
    }
    let router = mailbox::router_with(opts)?;
    cli::serve("mailbox", &bind, router).await
}
