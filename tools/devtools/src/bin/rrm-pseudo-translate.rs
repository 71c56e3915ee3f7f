//! `rrm-pseudo-translate`: a deterministic LibreTranslate stand-in.

use std::time::Duration;

use anyhow::Result;
use rrm_devtools::cli::{self, Flags};
use rrm_devtools::pseudo;

const USAGE: &str = "\
rrm-pseudo-translate: a local LibreTranslate-compatible server that \"translates\"
by prefixing every line (or HTML text node) with ⟦<target>⟧

Usage: rrm-pseudo-translate [--bind ADDR] [--fail-first N] [--delay-ms N] [--api-key KEY]
                            [--refuse LANGS]

  --bind ADDR       listen address (env RRM_PSEUDO_TRANSLATE_BIND, default 127.0.0.1:5005)
  --fail-first N    answer the first N /translate requests with 503 (default 0)
  --delay-ms N      wait N ms before answering each /translate request (default 0)
  --api-key KEY     require api_key=KEY on /translate (env RRM_PSEUDO_TRANSLATE_API_KEY)
  --refuse LANGS    answer 400 (not supported) for these target languages, comma-separated
  -h, --help        show this help

Endpoints: POST /translate  GET /languages  GET /stats  GET /healthz";

#[tokio::main]
async fn main() -> Result<()> {
    let flags = Flags::parse(
        std::env::args().skip(1),
        &["bind", "fail-first", "delay-ms", "api-key", "refuse"],
    )
    .unwrap_or_else(|e| cli::exit_with_usage(&e, USAGE));
    let bind = flags
        .get_or_env("bind", "RRM_PSEUDO_TRANSLATE_BIND")
        .unwrap_or_else(|| "127.0.0.1:5005".into());
    let fail_first: u64 = flags
        .number("fail-first")
        .unwrap_or_else(|e| cli::exit_with_usage(&e, USAGE))
        .unwrap_or(0);
    let delay_ms: u64 = flags
        .number("delay-ms")
        .unwrap_or_else(|e| cli::exit_with_usage(&e, USAGE))
        .unwrap_or(0);
    let api_key = flags.get_or_env("api-key", "RRM_PSEUDO_TRANSLATE_API_KEY");
    let refuse = flags
        .get_or_env("refuse", "RRM_PSEUDO_TRANSLATE_REFUSE")
        .map(|l| {
            l.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();

    cli::init_logging();
    let router = pseudo::router(pseudo::Options {
        fail_first,
        delay: Duration::from_millis(delay_ms),
        api_key,
        refuse,
    });
    cli::serve("pseudo-translate", &bind, router).await
}
