//! What roster does with consumed events: one module per event.

pub mod alert_raised;
