//! The pages behind the links authors get by e-mail, one module per page (templates in
//! `src/templates/`): the shared draft ([`draft`]: read, save a version, submit it for
//! signature) and the signing page ([`signing`]: read the exact text and its hash, sign it).
//! Opening a link changes nothing; every change is a POST from its page, with the link's CSRF.

pub mod draft;
pub mod signing;

use crate::domain::{self, Draft};
use crate::{Drafting, store};
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use rrm_contracts::PanelMember;
use rrm_platform::Pages;

pub(crate) fn pages() -> anyhow::Result<Pages> {
    Pages::new("op-ed drafting")?
        .html("draft", include_str!("../templates/draft.html"))?
        .html("sign", include_str!("../templates/sign.html"))?
        .html("done", include_str!("../templates/done.html"))?
        .text("draft_subject", "Write the op-ed: {{panel.title}}")?
        .text("draft_text", include_str!("../templates/draft_mail.txt"))?
        .text("sign_subject", "Please sign the op-ed: {{version.title}}")?
        .text("sign_text", include_str!("../templates/sign_mail.txt"))
}

pub(crate) fn routes(drafting: Drafting) -> Router {
    Router::new()
        .route(
            "/drafts/{token}",
            get(draft::show_draft).post(draft::save_version),
        )
        .route(
            "/sign/{token}",
            get(signing::show_signing).post(signing::sign_version),
        )
        .with_state(drafting)
}

/// The draft and the author a token of `purpose` is for, and the signing round of a signing link.
pub(crate) fn resolve(
    app: &Drafting,
    token: &str,
    purpose: &str,
) -> Result<(Draft, PanelMember, rrm_platform::Claims, u32), Response> {
    let claims = app
        .links
        .verify(token, purpose, Utc::now())
        .map_err(|e| app.pages.link_error(e))?;
    let not_found = || {
        app.pages.error(
            StatusCode::NOT_FOUND,
            "Draft not found",
            "This draft no longer exists.",
        )
    };
    let (draft_id, round) = domain::link_object(&claims.object).ok_or_else(not_found)?;
    let draft = store::draft(&app.store, draft_id)
        .map_err(|e| app.pages.unavailable(e))?
        .ok_or_else(not_found)?;
    // Authors edit; authors and co-signers sign.
    let author = if purpose == crate::SIGN {
        draft
            .signers()
            .find(|a| a.member_id.to_string() == claims.subject)
    } else {
        draft
            .panel
            .authors
            .iter()
            .find(|a| a.member_id.to_string() == claims.subject)
    }
    .cloned()
    .ok_or_else(not_found)?;
    Ok((draft, author, claims, round))
}
