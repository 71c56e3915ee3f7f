//! Developer and test tools for rrm.
//!
//! - [`maildump`]: reads the per-transaction files Postfix `smtp-sink -d` writes.
//! - [`mailbox`]: a small web UI and JSON API over such a directory (`rrm-mailbox`).
//! - [`pseudo`]: a deterministic stand-in for LibreTranslate (`rrm-pseudo-translate`).
//! - [`cli`]: argument parsing, logging and serving shared by the two binaries.

pub mod cli;
mod html;
pub mod mailbox;
pub mod maildump;
pub mod pseudo;
