//! Intake's coordinator console, server-rendered (templates in `src/templates/`), one module per
//! page: the alerts list, the raise form, one alert with its stages and timeline, and the tokens.
//!
//! Every page takes [`SignedIn`] (the platform's console session); every form posts through
//! [`rrm_platform::console::ConsoleForm`], which checks its CSRF value before anything changes.
//! The pages call the same functions as the API (`raise_in`, `cancel_in`, `issue_token`, …):
//! nothing is decided here that the API decides differently.

pub mod alert;
pub mod alerts;
pub mod raise;
pub mod tokens;

use crate::api::App;
use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rrm_platform::Pages;
use rrm_platform::console::{Console, Frame};
use std::sync::Arc;

/// What every console page shares: the API's state, the console shell, the templates.
#[derive(Clone)]
pub struct ConsoleApp {
    pub app: App,
    pub console: Console,
    pub pages: Arc<Pages>,
    /// Intake's public URL, before every link, form action and redirect: behind the production
    /// proxy intake lives under a path prefix (`https://…/intake`), never at the origin's root.
    pub base: String,
}

impl FromRef<ConsoleApp> for Console {
    fn from_ref(state: &ConsoleApp) -> Self {
        state.console.clone()
    }
}

pub fn pages() -> anyhow::Result<Pages> {
    Pages::new("intake")?
        .html("alerts", include_str!("../templates/alerts.html"))?
        .html("raise", include_str!("../templates/raise.html"))?
        .html("alert", include_str!("../templates/alert.html"))?
        .html("tokens", include_str!("../templates/tokens.html"))?
        .html(
            "token_created",
            include_str!("../templates/token_created.html"),
        )
}

/// The console's routes, with the shell's sign-in and sign-out, ready to merge with the API.
pub fn routes(app: App) -> anyhow::Result<Router> {
    let console = Console::new(&app.service);
    let state = ConsoleApp {
        base: app.service.public_url(crate::SERVICE),
        app,
        console: console.clone(),
        pages: Arc::new(pages()?),
    };
    Ok(Router::new()
        .route("/console", get(alerts::list))
        .route("/console/alerts/new", get(raise::form).post(raise::submit))
        .route("/console/alerts/{id}", get(alert::show))
        .route("/console/alerts/{id}/cancel", post(alert::cancel))
        .route("/console/tokens", get(tokens::list).post(tokens::create))
        .route("/console/tokens/{id}/revoke", post(tokens::revoke))
        .with_state(state)
        .merge(console.router()))
}

impl ConsoleApp {
    /// A console page: `name` rendered with `data` (an object) and `base`, in the console layout.
    pub fn page(
        &self,
        status: StatusCode,
        title: &str,
        name: &str,
        data: &serde_json::Value,
        frame: &Frame,
    ) -> Response {
        let mut data = data.clone();
        if let Some(fields) = data.as_object_mut() {
            fields.insert("base".into(), self.base.clone().into());
        }
        self.pages.console_page(status, title, name, &data, frame)
    }

    /// `path` (from `/console`) as a full URL of this service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A time typed into a `datetime-local` field (`2026-11-23T19:16`, seconds optional), read as
/// UTC; a date alone is its midnight; a full RFC 3339 time is taken as it is. `None` when it
/// is none of these.
pub fn parse_utc(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .map(|t| t.and_utc())
}

/// `t` as a `datetime-local` field's value (UTC).
pub fn local_value(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// A comma-separated list typed into a field, each item trimmed, empty ones dropped.
pub fn comma_list(raw: &str) -> Vec<String> {
    raw.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_typed_in_a_form_are_read_as_utc() {
        let t = parse_utc("2026-11-23T19:16").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-23T19:16:00+00:00");
        assert_eq!(
            parse_utc("2026-11-23").unwrap().to_rfc3339(),
            "2026-11-23T00:00:00+00:00"
        );
        assert_eq!(
            parse_utc("2026-11-23T20:16:00+01:00").unwrap(),
            t,
            "an explicit offset is honoured"
        );
        assert_eq!(parse_utc("tomorrow"), None);
        assert_eq!(local_value(t), "2026-11-23T19:16");
    }

    #[test]
    fn comma_lists_drop_blanks() {
        assert_eq!(
            comma_list(" europe, ,middle-east,"),
            ["europe", "middle-east"]
        );
        assert!(comma_list("").is_empty());
    }
}
