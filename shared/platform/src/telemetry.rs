//! Structured logs. JSON by default, one object per line, carrying the current span's fields —
//! so every line logged while an event is handled carries its `correlation_id` (the alert id).

use crate::config::LogSettings;
use tracing_subscriber::EnvFilter;

pub fn init(service: &str, settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let result = if settings.format == "pretty" {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .try_init()
    } else {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .try_init()
    };
    if result.is_ok() {
        tracing::info!(service, "logging started");
    }
}
