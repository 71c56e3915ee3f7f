//! The invitation link's page: GET shows the ask, POST records the member's answer and forms the
//! panel once enough members from enough lines accepted.

use crate::domain::{self, Answer, Invitation, Member, Panel, panel_member};
use crate::store::{INVITATIONS, MEMBERS, PANELS};
use crate::{PURPOSE, Roster, SERVICE};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use rrm_contracts::{Envelope, Event, MemberResponded, PanelFormed};
use rrm_platform::Pages;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

pub(crate) fn pages() -> anyhow::Result<Pages> {
    Pages::new("network roster")?
        .html("invitation", include_str!("../templates/invitation.html"))?
        .html("answered", include_str!("../templates/answered.html"))?
        .text("mail_subject", "Mobilisation: {{alert.title}}")?
        .text(
            "mail_text",
            include_str!("../templates/invitation_mail.txt"),
        )?
        .html(
            "mail_html",
            include_str!("../templates/invitation_mail.html"),
        )
}

pub(crate) fn routes(roster: Roster) -> Router {
    Router::new()
        .route(
            "/invitations/{token}",
            get(show_invitation).post(answer_invitation),
        )
        .with_state(roster)
}

/// The invitation, member and panel a valid token points at, or the page explaining why not.
fn resolve(roster: &Roster, token: &str) -> Result<(Invitation, Member, Panel), Response> {
    let claims = roster
        .links
        .verify(token, PURPOSE, Utc::now())
        .map_err(|e| roster.pages.link_error(e))?;
    let lookup = || -> Result<Option<(Invitation, Member, Panel)>, rrm_bus::StoreError> {
        let Ok(id) = Uuid::parse_str(&claims.object) else {
            return Ok(None);
        };
        let Some(invitation) = roster.store.get::<Invitation>(INVITATIONS, id.as_bytes())? else {
            return Ok(None);
        };
        if invitation.member_id.to_string() != claims.subject {
            return Ok(None);
        }
        let Some(member) = roster
            .store
            .get::<Member>(MEMBERS, invitation.member_id.as_bytes())?
        else {
            return Ok(None);
        };
        let Some(panel) = roster
            .store
            .get::<Panel>(PANELS, invitation.alert_id.as_bytes())?
        else {
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

async fn show_invitation(State(roster): State<Roster>, Path(token): Path<String>) -> Response {
    let (invitation, member, panel) = match resolve(&roster, &token) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let data = json!({
        "alert": panel.alert,
        "member": member,
        "answer": invitation.answer,
        "pending": invitation.answer == Answer::Pending,
        "accepted": invitation.answer == Answer::Accepted,
        "csrf": roster.links.csrf_for(&token),
        "formed": panel.formed,
    });
    roster
        .pages
        .page(StatusCode::OK, "Mobilisation", "invitation", &data)
}

#[derive(Debug, Deserialize)]
struct AnswerForm {
    csrf: String,
    response: String,
}

enum Answered {
    Now { accepted: bool, formed_now: bool },
    Already(Answer),
}

async fn answer_invitation(
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
    let (authors_needed, min_lines) = (roster.settings.authors_needed, roster.settings.min_lines);
    let (invitation_id, panel_id, member_id) =
        (invitation.invitation_id, panel.panel_id, member.member_id);
    let result = roster
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            let Some(mut current) = tx.get::<Invitation>(INVITATIONS, invitation_id.as_bytes())?
            else {
                return Ok(Answered::Already(Answer::Declined));
            };
            if current.answer != Answer::Pending {
                return Ok(Answered::Already(current.answer));
            }
            current.answer = if accepted {
                Answer::Accepted
            } else {
                Answer::Declined
            };
            current.answered_at = Some(Utc::now());
            tx.put(INVITATIONS, current.invitation_id.as_bytes(), &current)?;
            let correlation = Some(current.alert_id);
            tx.emit(&Envelope::new(
                &Event::MemberResponded(MemberResponded {
                    alert_id: current.alert_id,
                    panel_id,
                    member_id,
                    accepted,
                }),
                SERVICE,
                correlation,
                None,
            ))?;
            let Some(mut panel) = tx.get::<Panel>(PANELS, current.alert_id.as_bytes())? else {
                return Ok(Answered::Now {
                    accepted,
                    formed_now: false,
                });
            };
            if panel.formed || !accepted {
                return Ok(Answered::Now {
                    accepted,
                    formed_now: false,
                });
            }
            let mut authors = Vec::new();
            for id in &panel.invitations {
                if let Some(inv) = tx.get::<Invitation>(INVITATIONS, id.as_bytes())?
                    && inv.answer == Answer::Accepted
                    && let Some(m) = tx.get::<Member>(MEMBERS, inv.member_id.as_bytes())?
                {
                    authors.push(m);
                }
            }
            let refs: Vec<&Member> = authors.iter().collect();
            if !domain::panel_complete(&refs, authors_needed, min_lines) {
                return Ok(Answered::Now {
                    accepted,
                    formed_now: false,
                });
            }
            panel.formed = true;
            panel.authors = authors.iter().map(|a| a.member_id).collect();
            tx.put(PANELS, current.alert_id.as_bytes(), &panel)?;
            let alert = &panel.alert;
            tx.emit(&Envelope::new(
                &Event::PanelFormed(PanelFormed {
                    alert_id: alert.alert_id,
                    panel_id: panel.panel_id,
                    title: alert.title.clone(),
                    summary: alert.summary.clone(),
                    languages: alert.languages.clone(),
                    deadline: alert.deadline,
                    authors: authors.iter().map(panel_member).collect(),
                }),
                SERVICE,
                correlation,
                None,
            ))?;
            Ok(Answered::Now {
                accepted,
                formed_now: true,
            })
        });
    // Durable when it returns: only then is the member told their answer is recorded.
    let answered = match result.await {
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
    // Whether the answer made them an author, or came after the panel was complete.
    let panel = match roster
        .store
        .get::<Panel>(PANELS, invitation.alert_id.as_bytes())
    {
        Ok(Some(now)) => now,
        Ok(None) => panel,
        Err(e) => {
            tracing::error!(error = %e, "reading a panel failed");
            panel
        }
    };
    let author = panel.authors.contains(&member.member_id);
    // Panels formed before they recorded their authors cannot tell who is one.
    let authors_known = !panel.authors.is_empty();
    let span = tracing::info_span!("invitation", correlation_id = %invitation.alert_id);
    let (accepted, already) = match answered {
        Answered::Now {
            accepted,
            formed_now,
        } => {
            span.in_scope(|| tracing::info!(accepted, formed_now, author, "member answered"));
            (accepted, false)
        }
        Answered::Already(answer) => (answer == Answer::Accepted, true),
    };
    let data = json!({
        "member": member,
        "alert": panel.alert,
        "accepted": accepted,
        "already": already,
        "author": author,
        "formed": panel.formed,
        "authors_known": authors_known,
    });
    roster
        .pages
        .page(StatusCode::OK, "Thank you", "answered", &data)
}
