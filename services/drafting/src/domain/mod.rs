//! Drafting's rules and records, without I/O: what a version's text is and the hash that names
//! it ([`text`]), a draft and the rules that move it from writing to signing, approval,
//! corrections and withdrawal ([`draft`]), the word diff between two versions ([`diff`]), the
//! signature manifest and its Ed25519 key ([`manifest`]), and the hash-chained audit log
//! ([`audit`]).

pub mod audit;
pub use rrm_platform::diff;
pub mod draft;
pub mod manifest;
pub mod text;

pub use draft::{
    ChangeRequest, Completion, Draft, Published, Signatures, Stage, Version, Withdrawal,
    all_signed, link_object, signable, signing_object,
};
pub use text::{BylineEntry, Text, TextForm};
