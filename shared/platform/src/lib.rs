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
