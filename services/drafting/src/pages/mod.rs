//! The pages behind the links members get by e-mail, and drafting's console, one module per page
//! (templates in `src/templates/`): the shared draft ([`draft`]: read, preview, save a version,
//! submit it for signature, compare versions), the signing page ([`signing`]: read the exact
//! text and its hash, co-sign, ask for changes, withdraw a signature) and the console
//! ([`console`]: drafts per alert, versions, diffs, the audit log, sign-off, corrections,
//! withdrawal). Opening a link changes nothing; every change is a POST from its page, with the
//! link's or the session's CSRF.
//!
//! Op-ed Markdown is shown as HTML only through [`rrm_platform::markdown::to_safe_html`]
//! (`preview` in the templates, the one value they print unescaped).

pub mod console;
pub mod draft;
pub mod signing;

use crate::domain::diff::FieldDiff;
use crate::domain::{self, Draft, Version};
use crate::{Drafting, store};
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use rrm_contracts::PanelMember;
use rrm_platform::Pages;
use serde_json::{Value, json};

pub(crate) fn pages() -> anyhow::Result<Pages> {
    let mut pages = Pages::new("op-ed drafting")?
        .html("draft", include_str!("../templates/draft.html"))?
        .html("sign", include_str!("../templates/sign.html"))?
        .html("done", include_str!("../templates/done.html"))?
        .html("compare", include_str!("../templates/compare.html"))?
        .html("drafts", include_str!("../templates/console/drafts.html"))?
        .html(
            "console_draft",
            include_str!("../templates/console/draft.html"),
        )?
        .html("version", include_str!("../templates/console/version.html"))?
        .html("audit", include_str!("../templates/console/audit.html"))?;
    let mails: [(&str, &str, &str); 7] = [
        (
            "draft",
            "Write the op-ed: {{panel.title}}",
            include_str!("../templates/mail/draft.txt"),
        ),
        (
            "sign",
            "Please sign the op-ed: {{version.title}}",
            include_str!("../templates/mail/sign.txt"),
        ),
        (
            "voided",
            "Your signature no longer counts: the op-ed changed",
            include_str!("../templates/mail/voided.txt"),
        ),
        (
            "changes_requested",
            "{{request.name}} asks for changes to the op-ed",
            include_str!("../templates/mail/changes_requested.txt"),
        ),
        (
            "reminder",
            "Reminder: the op-ed waits for your signature: {{version.title}}",
            include_str!("../templates/mail/reminder.txt"),
        ),
        (
            "corrected",
            "The op-ed you signed was corrected: {{new.title}}",
            include_str!("../templates/mail/corrected.txt"),
        ),
        (
            "withdrawn",
            "The op-ed you signed was withdrawn: {{title}}",
            include_str!("../templates/mail/withdrawn.txt"),
        ),
    ];
    for (name, subject, text) in mails {
        pages = pages
            .text(&format!("{name}_subject"), subject)?
            .text(&format!("{name}_text"), text)?;
    }
    Ok(pages)
}

/// The pages members reach by link, the console's pages, sign-in and sign-out, and the status
/// page at `/console/status` (`/console` lists the drafts).
pub(crate) fn routes(drafting: Drafting) -> Router {
    let shell = drafting
        .console
        .router()
        .merge(drafting.console.status_router_at("/console/status"));
    Router::new()
        .route(
            "/drafts/{token}",
            get(draft::show_draft).post(draft::save_version),
        )
        .route("/drafts/{token}/compare", get(draft::compare))
        .route(
            "/sign/{token}",
            get(signing::show_signing).post(signing::answer),
        )
        .route("/console", get(console::list))
        .route("/console/drafts", get(console::list))
        .route("/console/alerts/{alert_id}", get(console::of_alert))
        .route("/console/drafts/{id}", get(console::show))
        .route(
            "/console/drafts/{id}/versions/{hash}",
            get(console::version),
        )
        .route("/console/drafts/{id}/compare", get(console::compare))
        .route("/console/drafts/{id}/audit", get(console::audit))
        .route("/console/drafts/{id}/audit.json", get(console::audit_json))
        .route("/console/drafts/{id}/edit", post(console::edit))
        .route("/console/drafts/{id}/sign-off", post(console::sign_off))
        .route("/console/drafts/{id}/correct", post(console::correct))
        .route("/console/drafts/{id}/withdraw", post(console::withdraw))
        .with_state(drafting)
        .merge(shell)
}

/// The draft and the member a token of `purpose` is for, and the signing round of a signing
/// link. Authors edit; authors and co-signers sign.
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
    let member = if purpose == crate::SIGN {
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
    Ok((draft, member, claims, round))
}

/// A version as pages show it: its fields, its number, and its body as sanitised HTML.
pub(crate) fn version_view(v: &Version) -> Value {
    json!({
        "hash": v.hash,
        "number": v.number,
        "title": v.title,
        "standfirst": v.standfirst,
        "body": v.body,
        "language": v.language,
        "byline": v.byline,
        "saved_by": v.saved_by,
        "created_at": v.created_at,
        "correction": v.correction,
        "preview": rrm_platform::markdown::to_safe_html(&v.body),
    })
}

/// Who signed round `round`'s version `hash`: every signer, author or co-signer, signed or not.
pub(crate) fn signature_status(
    db: &rrm_bus::Store,
    draft: &Draft,
    round: u32,
    hash: &str,
) -> Result<Vec<Value>, rrm_bus::StoreError> {
    let signatures = store::signatures(db, draft.draft_id, round, hash)?;
    Ok(draft
        .signers()
        .map(|a| {
            let signed = signatures.0.iter().find(|s| s.member_id == a.member_id);
            json!({
                "member_id": a.member_id,
                "name": a.name,
                "line": a.line,
                "signs_as": a.signs_as,
                "signed": signed.is_some(),
                "signed_at": signed.map(|s| s.signed_at),
                "cosigner": !draft.is_author(a.member_id),
            })
        })
        .collect())
}

/// What changed between versions `from` and `to` of draft `draft_id`; `None` when either is
/// not a version of it.
pub(crate) fn compare_versions(
    db: &rrm_bus::Store,
    draft_id: uuid::Uuid,
    from: &str,
    to: &str,
) -> Result<Option<(Version, Version, Vec<FieldDiff>)>, rrm_bus::StoreError> {
    let (Some(old), Some(new)) = (
        store::version(db, draft_id, from)?,
        store::version(db, draft_id, to)?,
    ) else {
        return Ok(None);
    };
    let changes = crate::mails::changes(&old, &new);
    Ok(Some((old, new, changes)))
}

/// The versions of a draft as a history lists them, newest first.
pub(crate) fn history(versions: &[Version]) -> Vec<Value> {
    versions
        .iter()
        .rev()
        .map(|v| {
            json!({
                "hash": v.hash,
                "number": v.number,
                "title": v.title,
                "saved_by": v.saved_by,
                "created_at": v.created_at,
                "correction": v.correction,
                "parent": v.parent,
            })
        })
        .collect()
}
