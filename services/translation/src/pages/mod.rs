//! Translation's pages: the translators' offer page ([`offer`], behind the e-mailed link), the
//! signatories' page of back-translations ([`check`], behind drafting's link), and the
//! console's pages ([`console`]: op-eds and their jobs; [`translators`]: who translates), behind the platform's
//! console session, every form through [`rrm_platform::console::ConsoleForm`]. The console calls
//! the same steps as everything else: nothing is decided here.

pub mod check;
pub mod console;
pub mod offer;
pub mod translators;

use crate::Translation;
use axum::Router;
use axum::routing::{get, post};
use rrm_platform::Pages;

/// Every template translation renders: pages, console pages and e-mails.
pub fn templates() -> anyhow::Result<Pages> {
    let mut pages = Pages::new("translation")?
        .html("offer", include_str!("../templates/offer.html"))?
        .html("check", include_str!("../templates/check.html"))?
        .html("opeds", include_str!("../templates/console/opeds.html"))?
        .html("oped", include_str!("../templates/console/oped.html"))?
        .html("job", include_str!("../templates/console/job.html"))?
        .html(
            "translators",
            include_str!("../templates/console/translators.html"),
        )?
        .html(
            "translator",
            include_str!("../templates/console/translator.html"),
        )?
        .html(
            "translators_import",
            include_str!("../templates/console/translators_import.html"),
        )?;
    let mails: [(&str, &str, &str); 4] = [
        (
            "offer",
            "{{#if review}}Review{{else}}Translate{{/if}} into {{to}}: {{title}}",
            include_str!("../templates/mail/offer.txt"),
        ),
        (
            "taken",
            "No longer yours: the {{to}} translation of {{title}}",
            include_str!("../templates/mail/taken.txt"),
        ),
        (
            "corrected",
            "Corrected: the op-ed you translated into {{to}}: {{title}}",
            include_str!("../templates/mail/corrected.txt"),
        ),
        (
            "failed",
            "Not delivered in {{to}}: {{title}}",
            include_str!("../templates/mail/failed.txt"),
        ),
    ];
    for (name, subject, text) in mails {
        pages = pages
            .text(&format!("{name}_subject"), subject)?
            .text(&format!("{name}_text"), text)?;
    }
    Ok(pages)
}

/// The offer and check pages, the console's pages, sign-in and sign-out, and the status page
/// at `/console/status` (`/console` lists the op-eds).
pub fn routes(translation: Translation) -> Router {
    let shell = translation
        .console
        .router()
        .merge(translation.console.status_router_at("/console/status"));
    Router::new()
        .route("/offers/{token}", get(offer::show).post(offer::answer))
        .route("/check/{token}", get(check::show).post(check::back))
        .route("/console", get(console::list))
        .route("/console/opeds", get(console::list))
        .route("/console/alerts/{alert_id}", get(console::of_alert))
        .route("/console/opeds/{id}", get(console::show))
        .route(
            "/console/opeds/{id}/{language}",
            get(console::show_job).post(console::act),
        )
        .route("/console/translators", get(translators::list))
        .route(
            "/console/translators/new",
            get(translators::new_form).post(translators::create),
        )
        .route(
            "/console/translators/import",
            get(translators::import_form).post(translators::import),
        )
        .route("/console/translators/export", get(translators::export))
        .route(
            "/console/translators/{id}",
            get(translators::show).post(translators::save),
        )
        .route(
            "/console/translators/{id}/remove",
            post(translators::remove),
        )
        .with_state(translation)
        .merge(shell)
}
