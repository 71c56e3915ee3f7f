//! Intake's rules, without I/O: what makes an alert valid, when two alerts are the same event,
//! when one can be cancelled, what a token may say, how Alertmanager's alerts map onto alerts,
//! and how events read on a timeline.

pub mod alerts;
pub mod timeline;
pub mod tokens;
pub mod webhook;

pub use alerts::{
    Alert, AlertStatus, CancelAlert, CancelError, Defaults, ListFilter, NewAlert, Verdict, cancel,
    cancel_reason, dedup_keys, repeats, supported, validate,
};
pub use timeline::{TimelineEntry, describe};
pub use tokens::{NewToken, SCOPES, TokenRecord, validate_token};
