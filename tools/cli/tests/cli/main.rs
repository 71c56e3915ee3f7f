//! The real `rrm` binary against a stand-in intake: an axum server on 127.0.0.1:0 that speaks
//! intake's coordinator API with canned, shape-faithful answers, checks the bearer token and
//! refuses request bodies intake would refuse. (Intake's router has no public builder, so the
//! real service is not mounted here; its own tests cover its side of the contract.)

// Test helpers outside #[test] functions may panic too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts;
mod contract;
mod errors;
mod helpers;
mod tokens;
