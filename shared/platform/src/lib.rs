//! Plumbing every rrm service shares: layered configuration, JSON logs, the HTTP server with its
//! ops routes and problem+json errors, signed link tokens, coordinator authentication, the durable
//! mail queue, page templates, and the process lifecycle tying them to the bus.

pub mod auth;
pub mod config;
pub mod http;
pub mod links;
pub mod mail;
pub mod pages;
pub mod routing;
pub mod service;
pub mod telemetry;

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
