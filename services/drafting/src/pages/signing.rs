//! The signing page: each signatory's link is bound to the version out for signature (its hash)
//! and the signing round. The page shows the full text (its Markdown sanitised), the hash and who
//! has signed; its POSTs co-sign ("I co-sign this text"), ask for changes with a comment (shown
//! to the authors and on the timeline), or withdraw a signature before approval.

use super::{resolve, signature_status, version_view};
use crate::domain::{Completion, draft::MAX_COMMENT, signable};
use crate::workflow::Answered;
use crate::{Drafting, SIGN, store};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rrm_bus::HandleError;
use serde::Deserialize;
use serde_json::json;

pub(crate) async fn show_signing(
    State(app): State<Drafting>,
    Path(token): Path<String>,
) -> Response {
    let (draft, member, claims, round) = match resolve(&app, &token, SIGN) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let hash = claims.version.unwrap_or_default();
    render(
        &app,
        &token,
        &draft,
        &member,
        &hash,
        round,
        None,
        StatusCode::OK,
    )
}

#[allow(clippy::too_many_arguments)]
fn render(
    app: &Drafting,
    token: &str,
    draft: &crate::domain::Draft,
    member: &rrm_contracts::PanelMember,
    hash: &str,
    round: u32,
    comment_error: Option<(&str, &str)>,
    status: StatusCode,
) -> Response {
    let version = match store::version(&app.store, draft.draft_id, hash) {
        Ok(Some(v)) => v,
        Ok(None) => {
            return app.pages.error(
                StatusCode::NOT_FOUND,
                "Version not found",
                "This version of the op-ed does not exist.",
            );
        }
        Err(e) => return app.pages.unavailable(e),
    };
    let signatures = match signature_status(&app.store, draft, round, hash) {
        Ok(s) => s,
        Err(e) => return app.pages.unavailable(e),
    };
    let signed = signatures
        .iter()
        .any(|s| s["member_id"] == json!(member.member_id) && s["signed"] == true);
    let requests: Vec<_> = draft.requests.iter().filter(|r| r.round == round).collect();
    let data = json!({
        "version": version_view(&version),
        "member": member,
        "signatures": signatures,
        "signed": signed,
        "author": draft.is_author(member.member_id),
        // A withdrawal voids the round too: the link is closed, not replaced by a newer one.
        "replaced": draft.withdrawn.is_none()
            && !signable(draft.submitted.as_deref(), draft.round, hash, round),
        "closed": draft.closed_to_signatures(),
        "withdrawn": draft.withdrawn,
        "correction": draft.correction,
        "requests": requests,
        "comment": comment_error.map(|(c, _)| c),
        "comment_error": comment_error.map(|(_, e)| e),
        "max_comment": MAX_COMMENT,
        "csrf": app.links.csrf_for(token),
        "translations": signed.then(|| app.translations_link(draft, member.member_id)).flatten(),
    });
    app.pages.page(status, "Sign the op-ed", "sign", &data)
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignForm {
    csrf: String,
    /// `sign` (the default: the button), `request_changes` or `withdraw`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    comment: String,
}

/// A comment's problem, if any.
fn check_comment(comment: &str) -> Option<String> {
    let n = comment.chars().count();
    if n == 0 {
        Some("Please say what should change.".into())
    } else if n > MAX_COMMENT {
        Some(format!("Please keep it under {MAX_COMMENT} characters."))
    } else if comment
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        Some("The comment contains control characters.".into())
    } else {
        None
    }
}

pub(crate) async fn answer(
    State(app): State<Drafting>,
    Path(token): Path<String>,
    form: Result<Form<SignForm>, FormRejection>,
) -> Response {
    let (draft, member, claims, round) = match resolve(&app, &token, SIGN) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Ok(Form(form)) = form else {
        return app.pages.error(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            "Please go back to the page and use its buttons.",
        );
    };
    if !app.links.verify_csrf(&token, &form.csrf) {
        tracing::warn!("refused a signing-page answer without a valid CSRF value");
        return app.pages.error(
            StatusCode::FORBIDDEN,
            "Please use the signing page",
            "This answer did not come from the signing page. Open the link from your e-mail again.",
        );
    }
    let hash = claims.version.unwrap_or_default();
    let comment = crate::domain::text::normalize(&form.comment);
    let action = match form.action.as_str() {
        "" | "sign" => Action::Sign,
        "withdraw" => Action::Withdraw,
        "request_changes" => {
            if let Some(problem) = check_comment(&comment) {
                return render(
                    &app,
                    &token,
                    &draft,
                    &member,
                    &hash,
                    round,
                    Some((&form.comment, &problem)),
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            }
            Action::RequestChanges
        }
        _ => {
            return app.pages.error(
                StatusCode::BAD_REQUEST,
                "Unknown action",
                "Please use the page's buttons.",
            );
        }
    };
    let (writer, draft_id, signer, signed_hash) =
        (app.clone(), draft.draft_id, member.clone(), hash.clone());
    let result = app
        .store
        .transact::<_, HandleError, _>(move |tx| match action {
            Action::Sign => writer.sign(tx, draft_id, &signer, &signed_hash, round),
            Action::Withdraw => {
                writer.withdraw_signature(tx, draft_id, &signer, &signed_hash, round)
            }
            Action::RequestChanges => {
                writer.request_changes(tx, draft_id, &signer, &signed_hash, round, &comment)
            }
        })
        .await;
    // Durable when it returns: only then is the signatory told.
    let answered = match result {
        Ok(a) => a,
        Err(e) => return app.pages.unavailable(e),
    };
    let (heading, message, status) = words(answered);
    tracing::info!(correlation_id = %draft.panel.alert_id, heading, "signing page answered");
    let translations = match store::draft(&app.store, draft_id) {
        Ok(Some(d)) => app.translations_link(&d, member.member_id),
        _ => None,
    };
    app.pages.page(
        status,
        heading,
        "done",
        &json!({ "heading": heading, "message": message, "hash": hash, "translations": translations }),
    )
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Sign,
    Withdraw,
    RequestChanges,
}

fn words(answered: Answered) -> (&'static str, &'static str, StatusCode) {
    match answered {
        Answered::Replaced => (
            "This signing request was withdrawn",
            "The op-ed was changed or sent out for signature again since this link was sent, so it can no longer be answered here. Nothing was changed. Every signatory gets a new link whenever a version is sent out for signature.",
            StatusCode::CONFLICT,
        ),
        Answered::Closed => (
            "Signing is closed",
            "Every author had signed and the op-ed went out with the signatures given until then, or it was withdrawn. Nothing was changed.",
            StatusCode::CONFLICT,
        ),
        Answered::AlreadySigned => (
            "Already signed",
            "Your signature on this version was already recorded; nothing was changed.",
            StatusCode::OK,
        ),
        Answered::NotSigned => (
            "Nothing to withdraw",
            "You had not signed this version; nothing was changed.",
            StatusCode::OK,
        ),
        Answered::Signed(Completion::Approve) => (
            "Signed — the op-ed is approved",
            "Every author has signed. The op-ed is now being translated and sent to editors.",
            StatusCode::OK,
        ),
        Answered::Signed(Completion::Correct) => (
            "Signed — the correction is published",
            "Every author has signed the correction. It now replaces the earlier text everywhere.",
            StatusCode::OK,
        ),
        Answered::Signed(Completion::AwaitingSignoff) => (
            "Signed",
            "Your signature is recorded. Every author has signed; the coordinators' final sign-off is awaited.",
            StatusCode::OK,
        ),
        Answered::Signed(Completion::Waiting) => (
            "Signed",
            "Your signature is recorded. The op-ed goes out once every author has signed.",
            StatusCode::OK,
        ),
        Answered::Withdrawn => (
            "Signature withdrawn",
            "Your signature no longer counts. The op-ed cannot go out until you sign again (or, if you are a co-signer, it goes out without your name).",
            StatusCode::OK,
        ),
        Answered::ChangesRequested { unsigned: false } => (
            "Your request is sent",
            "The authors were e-mailed your comment, and it shows on the draft. You will get a new link when a changed version is sent out for signature.",
            StatusCode::OK,
        ),
        Answered::ChangesRequested { unsigned: true } => (
            "Your request is sent",
            "The authors were e-mailed your comment, and it shows on the draft. Your signature of this version was withdrawn with it. You will get a new link when a changed version is sent out for signature.",
            StatusCode::OK,
        ),
    }
}
