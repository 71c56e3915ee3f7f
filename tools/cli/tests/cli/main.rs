//! The real `rrm` binary against a stand-in intake and a stand-in roster: axum servers on
//! 127.0.0.1:0 that speak each service's coordinator API with canned, shape-faithful answers,
//! check the bearer token and refuse request bodies the service would refuse. (The services'
//! routers have no public builder, so the real services are not mounted here; their own tests
//! cover their side of the contract.)

// Test helpers outside #[test] functions may panic too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts;
mod contract;
mod errors;
mod helpers;
mod members;
mod panels;
mod roster;
mod tokens;
