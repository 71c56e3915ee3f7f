//! The invitation link's page: GET shows the ask (and, once answered, the answer recorded);
//! POST records the member's answer with an optional note. The link is bound to the member and
//! the invitation: a tampered, expired or another member's link changes nothing.

use crate::domain::{Answer, Invitation, Member, NotRecorded, Panel, Role, panel};
use crate::mobilisation::{Alternates, Answered};
use crate::{PURPOSE, Roster, store};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rrm_bus::HandleError;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

/// The invitation, member and panel a valid token points at, or the page explaining why not.
fn resolve(roster: &Roster, token: &str) -> Result<(Invitation, Member, Panel), Response> {
    let claims = roster
        .links
        .verify(token, PURPOSE, chrono::Utc::now())
        .map_err(|e| roster.pages.link_error(e))?;
    let lookup = || -> Result<Option<(Invitation, Member, Panel)>, rrm_bus::StoreError> {
        let Ok(id) = Uuid::parse_str(&claims.object) else {
            return Ok(None);
        };
        let Some(invitation) = store::invitation(&roster.store, id)? else {
            return Ok(None);
        };
        if invitation.member_id.to_string() != claims.subject {
            return Ok(None);
        }
        let (Some(member), Some(panel)) = (
            store::member(&roster.store, invitation.member_id)?,
            store::panel(&roster.store, invitation.alert_id)?,
        ) else {
            return Ok(None);
        };
        Ok(Some((invitation, member, panel)))
    };
    match lookup() {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(roster.pages.error(
            StatusCode::NOT_FOUND,
            "Invitation not found",
            "This invitation no longer exists.",
        )),
        Err(e) => {
            tracing::error!(error = %e, "reading an invitation failed");
            Err(roster.pages.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again",
                "We could not read this invitation just now.",
            ))
        }
    }
}

fn page(
    roster: &Roster,
    token: &str,
    invitation: &Invitation,
    member: &Member,
    panel: &Panel,
    error: Option<&str>,
) -> Response {
    let data = json!({
        "alert": panel.alert,
        "member": member,
        "answer": invitation.answer,
        "pending": invitation.answer == Answer::Pending,
        "accepted": invitation.answer == Answer::Accepted,
        "withdrawn": invitation.answer == Answer::Withdrawn || (panel.cancelled && invitation.answer == Answer::Pending),
        "note": invitation.note,
        "cancelled": panel.cancelled,
        "author": invitation.role == Some(Role::Author),
        "cosigner": invitation.role == Some(Role::Cosigner),
        "csrf": roster.links.csrf_for(token),
        "formed": panel.formed,
        "error": error,
    });
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    roster
        .pages
        .page(status, "Mobilisation", "invitation", &data)
}

pub(crate) async fn show(State(roster): State<Roster>, Path(token): Path<String>) -> Response {
    match resolve(&roster, &token) {
        Ok((invitation, member, panel)) => {
            page(&roster, &token, &invitation, &member, &panel, None)
        }
        Err(page) => page,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct AnswerForm {
    csrf: String,
    response: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn answer(
    State(roster): State<Roster>,
    Path(token): Path<String>,
    form: Result<Form<AnswerForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (invitation, member, panel) = match resolve(&roster, &token) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Ok(Form(form)) = form else {
        return roster.pages.error(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            "Please go back to the page and use its buttons.",
        );
    };
    if !roster.links.verify_csrf(&token, &form.csrf) {
        tracing::warn!("refused an answer without a valid CSRF value");
        return roster.pages.error(StatusCode::FORBIDDEN, "Please use the page's buttons", "This answer did not come from the invitation page. Open the link from your e-mail again.");
    }
    let accepted = match form.response.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            return roster.pages.error(
                StatusCode::BAD_REQUEST,
                "Unknown answer",
                "Please accept or decline with the page's buttons.",
            );
        }
    };
    let note = match panel::note(&form.note) {
        Ok(note) => note,
        Err(message) => return page(&roster, &token, &invitation, &member, &panel, Some(message)),
    };
    let now = (roster.now)();
    // A decline may need an alternate: its candidates are ranked before the transaction.
    let alternates = if accepted || !panel.open() {
        Ok(Alternates::default())
    } else {
        let (r, alert) = (roster.clone(), panel.alert.clone());
        roster
            .store
            .read(move |_| Alternates::rank(&r, [&alert], now))
            .await
    };
    let (r, id) = (roster.clone(), invitation.invitation_id);
    let result = match alternates {
        Ok(alternates) => {
            roster
                .store
                .transact::<_, HandleError, _>(move |tx| {
                    r.answer(tx, id, accepted, note, &alternates, now)
                })
                .await
        }
        Err(e) => Err(e.into()),
    };
    // Durable when it returns: only then is the member told their answer is recorded.
    let answered = match result {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "recording an answer failed");
            return roster.pages.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again",
                "Your answer could not be recorded just now; nothing was changed.",
            );
        }
    };
    let span = tracing::info_span!("invitation", correlation_id = %invitation.alert_id);
    let (accepted, already, role) = match answered {
        Answered::Now { accepted, role } => {
            span.in_scope(|| tracing::info!(accepted, ?role, "member answered"));
            (accepted, false, role)
        }
        Answered::NotRecorded(NotRecorded::Already(answer)) => {
            let now = store::invitation(&roster.store, id).ok().flatten();
            (answer == Answer::Accepted, true, now.and_then(|i| i.role))
        }
        Answered::NotRecorded(NotRecorded::Withdrawn) => {
            return roster.pages.error(
                StatusCode::GONE,
                "Invitation withdrawn",
                "This invitation was withdrawn (the alert was cancelled, or the coordinators took it back): no answer is needed any more. Thank you.",
            );
        }
    };
    let panel = store::panel(&roster.store, invitation.alert_id)
        .ok()
        .flatten()
        .unwrap_or(panel);
    let note = store::invitation(&roster.store, id)
        .ok()
        .flatten()
        .and_then(|i| i.note);
    let data = json!({
        "member": member,
        "alert": panel.alert,
        "accepted": accepted,
        "already": already,
        "author": role == Some(Role::Author),
        "cosigner": role == Some(Role::Cosigner),
        "formed": panel.formed,
        "note": note,
    });
    roster
        .pages
        .page(StatusCode::OK, "Thank you", "answered", &data)
}
