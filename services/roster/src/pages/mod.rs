//! Roster's pages: the invitation page members answer on ([`invitation`], behind the e-mailed
//! link), and the coordinator console's pages — the members ([`members`]) and the panels
//! ([`panels`]) — behind the platform's console session, every form through
//! [`rrm_platform::console::ConsoleForm`] (CSRF checked before anything changes). The console
//! calls the same functions as the API: nothing is decided here that the API decides otherwise.

pub mod invitation;
pub mod members;
pub mod panels;

use crate::Roster;
use crate::mobilisation::MAIL_LANGUAGES;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use rrm_platform::Pages;
use rrm_platform::console::SignedIn;

/// Every template roster renders: pages, console pages and e-mails.
pub fn templates() -> anyhow::Result<Pages> {
    let mut pages = Pages::new("network roster")?
        .html("invitation", include_str!("../templates/invitation.html"))?
        .html("answered", include_str!("../templates/answered.html"))?
        .html("members", include_str!("../templates/members.html"))?
        .html("member", include_str!("../templates/member.html"))?
        .html("import", include_str!("../templates/import.html"))?
        .html("panels", include_str!("../templates/panels.html"))?
        .html("panel", include_str!("../templates/panel.html"))?
        .text(
            "shortfall_subject",
            "The panel cannot form: {{alert.title}}",
        )?
        .text(
            "shortfall_text",
            include_str!("../templates/shortfall_mail.txt"),
        )?
        .html(
            "shortfall_html",
            include_str!("../templates/shortfall_mail.html"),
        )?;
    let mails: [(&str, [&str; 6]); 2] = [
        (
            "en",
            [
                "{{#if reminder}}Reminder: {{/if}}Mobilisation: {{alert.title}}",
                include_str!("../templates/mail/invitation.en.txt"),
                include_str!("../templates/mail/invitation.en.html"),
                "Stand down: the op-ed on {{alert.title}} is cancelled",
                include_str!("../templates/mail/stand_down.en.txt"),
                include_str!("../templates/mail/stand_down.en.html"),
            ],
        ),
        (
            "fr",
            [
                "{{#if reminder}}Rappel : {{/if}}Mobilisation : {{alert.title}}",
                include_str!("../templates/mail/invitation.fr.txt"),
                include_str!("../templates/mail/invitation.fr.html"),
                "Contrordre : la tribune « {{alert.title}} » est annulée",
                include_str!("../templates/mail/stand_down.fr.txt"),
                include_str!("../templates/mail/stand_down.fr.html"),
            ],
        ),
    ];
    debug_assert_eq!(mails.len(), MAIL_LANGUAGES.len());
    for (lang, [subject, text, html, sd_subject, sd_text, sd_html]) in mails {
        pages = pages
            .text(&format!("invitation_subject_{lang}"), subject)?
            .text(&format!("invitation_text_{lang}"), text)?
            .html(&format!("invitation_html_{lang}"), html)?
            .text(&format!("stand_down_subject_{lang}"), sd_subject)?
            .text(&format!("stand_down_text_{lang}"), sd_text)?
            .html(&format!("stand_down_html_{lang}"), sd_html)?;
    }
    Ok(pages)
}

/// The invitation page and the console's pages, with the console's sign-in and sign-out and the
/// service's status page at `/console/status` (`/console` is the members list).
pub fn routes(roster: Roster) -> Router {
    let shell = roster
        .console
        .router()
        .merge(roster.console.status_router_at("/console/status"));
    Router::new()
        .route(
            "/invitations/{token}",
            get(invitation::show).post(invitation::answer),
        )
        .route("/console", get(members::list))
        .route("/console/members", get(members::list))
        .route(
            "/console/members/new",
            get(members::new_form).post(members::create),
        )
        .route(
            "/console/members/import",
            get(members::import_form).post(members::import),
        )
        .route("/console/members/export", get(members::export))
        .route(
            "/console/members/{id}",
            get(members::show).post(members::save),
        )
        .route("/console/members/{id}/data", get(members::data))
        .route("/console/members/{id}/erase", post(members::erase))
        .route("/console/panels", get(panels::list))
        .route("/console/panels/{alert_id}", get(panels::show))
        .route("/console/panels/{alert_id}/invite", post(panels::invite))
        .with_state(roster)
        .merge(shell)
}

impl Roster {
    /// A console page: `name` rendered with `data` (an object) and `base`, in the console layout.
    pub(crate) fn console_page(
        &self,
        who: &SignedIn,
        status: StatusCode,
        title: &str,
        name: &str,
        mut data: serde_json::Value,
    ) -> Response {
        if let Some(fields) = data.as_object_mut() {
            fields.insert("base".into(), self.public_url.clone().into());
            fields.insert("csrf".into(), who.csrf().into());
        }
        self.pages
            .console_page(status, title, name, &data, &who.frame())
    }
}
