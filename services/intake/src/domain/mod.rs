//! Intake's rules, without I/O: what makes an alert valid, when two alerts are the same event,
//! when one can be cancelled, what a token may say, how Alertmanager's alerts map onto alerts,
//! how events read on a timeline, and the pipeline's clock (stages, budgets, overdue).

pub mod alerts;
pub mod stages;
pub mod timeline;
pub mod tokens;
pub mod webhook;

pub use alerts::{
    Alert, AlertStatus, CancelAlert, CancelError, Defaults, ListFilter, NewAlert, Verdict, cancel,
    cancel_reason, dedup_keys, repeats, supported, validate,
};
pub use stages::{Budgets, Pipeline, Stage, StageState, StageView};
pub use timeline::{TimelineEntry, describe};
pub use tokens::{NewToken, SCOPES, TokenRecord, validate_token};
