//! What intake does with the events it consumes, one module per group of events. Intake's queue
//! is bound to every event (`#`): each one carrying an alert id goes on that alert's timeline.
//! (Credential events are applied by the platform before these handlers run.)

pub mod timeline;

pub use timeline::Timeline;
