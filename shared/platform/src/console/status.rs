//! A service's own console page, `GET /console`, for the services whose issue has not given
//! them pages of their own yet, and linked from those that have: is this service connected, is
//! it behind, is its mail going out. Everything on it is read from the service's store and
//! state at the moment of the request.

use super::{Console, SignedIn};
use crate::mail::{self, MailState, OutgoingMail};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Mails still to send that a status page lists at most.
const LISTED: usize = 50;

pub(super) const TEMPLATE: &str = r#"<h1>{{label}}: status</h1>
<table>
<tr><th>Broker</th><td>{{#if connected}}connected{{else}}<span class="overdue">not connected</span> — events wait in the outbox{{/if}}</td></tr>
<tr><th>Store</th><td>{{#if healthy}}committing{{else}}<span class="overdue">cannot commit</span> — see the service's log{{/if}}</td></tr>
<tr><th>Events not yet on the broker</th><td>{{outbox}}</td></tr>
<tr><th>E-mails</th><td>{{mails_total}} queued in all, {{mails_pending}} still to send</td></tr>
</table>
{{#if pending}}<h2>E-mails still to send</h2>
<table>
<tr><th>To</th><th>Subject</th><th>State</th><th>Attempts</th><th>Next attempt</th><th>Last error</th></tr>
{{#each pending}}<tr><td dir="auto">{{this.to_name}} &lt;{{this.to}}&gt;</td><td dir="auto">{{this.subject}}</td><td>{{this.state}}</td><td>{{this.attempts}}</td><td>{{when this.next_attempt_at}}</td><td>{{#if this.last_error}}<span class="overdue">{{this.last_error}}</span>{{/if}}</td></tr>
{{/each}}</table>
{{#if more}}<p>… and {{more}} more.</p>{{/if}}{{/if}}
<p>Read at {{when now relative=false}}. This page reloads itself every 30 seconds.</p>
"#;

#[derive(Serialize)]
struct Pending {
    to_name: String,
    to: String,
    subject: String,
    state: MailState,
    attempts: u32,
    next_attempt_at: DateTime<Utc>,
    last_error: Option<String>,
}

#[derive(Serialize)]
struct Status {
    label: &'static str,
    connected: bool,
    healthy: bool,
    outbox: u64,
    mails_total: u64,
    mails_pending: u64,
    pending: Vec<Pending>,
    more: u64,
    now: DateTime<Utc>,
}

impl Console {
    /// `GET /console`: the service's status page, behind sign-in.
    pub fn status_router(&self) -> Router {
        self.status_router_at("/console")
    }

    /// The status page at `path`, for a service whose `/console` is a page of its own.
    pub fn status_router_at(&self, path: &str) -> Router {
        Router::new()
            .route(path, get(status))
            .with_state(self.clone())
    }

    fn label(&self) -> &'static str {
        self.inner
            .nav
            .iter()
            .find(|n| n.current)
            .map_or("Service", |n| n.label)
    }
}

async fn status(State(console): State<Console>, who: SignedIn) -> Response {
    let store = console.inner.store.clone();
    let read = store
        .read(|s| {
            let pending_keys: Vec<String> = s
                .scan::<()>(mail::PENDING, b"")?
                .take(LISTED)
                .map(|item| item.map(|(k, ())| String::from_utf8_lossy(&k).into_owned()))
                .collect::<Result<_, _>>()?;
            let mut pending = Vec::new();
            for key in pending_keys {
                if let Some(m) = s.get::<OutgoingMail>(mail::TREE, &key)? {
                    pending.push(Pending {
                        to_name: m.mail.to_name,
                        to: m.mail.to.to_string(),
                        subject: m.mail.subject,
                        state: m.state,
                        attempts: m.attempts,
                        next_attempt_at: m.next_attempt_at,
                        last_error: m.last_error,
                    });
                }
            }
            Ok((
                s.count(mail::TREE)?,
                s.count(mail::PENDING)?,
                pending,
                s.outbox_len(),
            ))
        })
        .await;
    let (mails_total, mails_pending, pending, outbox) = match read {
        Ok(read) => read,
        Err(e) => return console.inner.pages.unavailable(e),
    };
    let status = Status {
        label: console.label(),
        connected: console.inner.ready.is_ready(),
        healthy: store.is_healthy(),
        outbox,
        mails_total,
        more: mails_pending.saturating_sub(pending.len() as u64),
        mails_pending,
        pending,
        now: Utc::now(),
    };
    let title = format!("{}: status", status.label);
    console.inner.pages.console_page(
        StatusCode::OK,
        &title,
        "_status",
        &status,
        &who.frame().refresh(30),
    )
}
