//! Plumbing every rrm service shares: layered configuration, JSON logs, the HTTP server with its
//! ops routes and problem+json errors, signed link tokens, coordinator authentication, the
//! coordinator console's shell, the durable mail queue, page templates, and the process
//! lifecycle tying them to the bus.
//!
//! # Layout
//!
//! - [`config`]: settings, layered from `config/default.toml`, an overlay and the environment.
//! - [`service`]: one process's life — store, bus, HTTP, workers, shutdown.
//! - [`http`]: problem+json errors, the JSON extractor, ops routes, limits.
//! - [`auth`]: coordinator credentials, applied from events and checked locally (bearer tokens).
//! - [`console`]: the coordinator console's shell — sign-in and sign-out pages, the signed
//!   session cookie `rrm_session` every service verifies locally (revoked tokens end their
//!   sessions at once), CSRF on every console form ([`console::ConsoleForm`]), the
//!   [`console::SignedIn`] extractor (sign-in redirect for pages, 401 for APIs), and the
//!   navigation frame across the five services.
//! - [`links`]: signed, single-purpose link tokens for members, translators and editors, and
//!   their CSRF values.
//! - [`pages`]: handlebars registries (escaped HTML, plain text), the member-facing layout and
//!   the console layout, `lang`/`dir` for right-to-left languages, and the `dir="auto"`
//!   convention for people's words.
//! - [`times`]: readable times (`Mon 23 Nov, 19:16 UTC — in 6 h`) and the `when` template helper,
//!   in the reader's IANA time zone when known.
//! - [`mail`]: the durable mail queue and its SMTP worker.
//! - [`diff`]: word diffs between two texts, for mails and pages.
//! - [`routing`]: which events reach which service.
//! - [`clock`]: timers kept in a service's store, and the worker that fires them.
//! - `openapi` (feature `openapi`): the coordinator security scheme every API document names.

pub mod auth;
pub mod clock;
pub mod config;
pub mod console;
pub mod diff;
pub mod http;
pub mod import;
pub mod links;
pub mod mail;
pub mod markdown;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod pages;
pub mod routing;
pub mod service;
pub mod spreadsheet;
pub mod telemetry;
pub mod times;

pub use config::CommonSettings;
pub use http::{ApiJson, FieldProblem, Problem};
pub use links::{Claims, LinkError, LinkSigner};
pub use pages::Pages;
pub use service::{Service, Worker};

/// Every service process allocates through mimalloc. Requests, events and their JSON are many
/// small, short-lived allocations made on several threads at once (the runtime's workers, the
/// store's writer, blocking threads); glibc's allocator spent about a fifth of intake's CPU
/// under load on them, mostly contending for its arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
