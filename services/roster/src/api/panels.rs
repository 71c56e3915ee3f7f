//! `/api/v1/panels/{alert_id}`: who was invited for an alert and why, where each invitation
//! stands; and a coordinator's invitation of a member by hand.

use crate::Roster;
use crate::domain::{Answer, Invitation, Member, Panel, Role};
use crate::mobilisation::ByHand;
use crate::store;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rrm_bus::HandleError;
use rrm_platform::{ApiJson, Problem, auth};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where an invitation stands, as coordinators read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    Pending,
    Accepted,
    Declined,
    /// Silent past the budget: an alternate was invited (they can still answer).
    Expired,
    /// The alert was cancelled first.
    Withdrawn,
}

/// One invitation with its member and reasons.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitationView {
    pub invitation_id: Uuid,
    pub member_id: Uuid,
    pub name: String,
    pub lines: Vec<String>,
    pub state: InvitationState,
    pub score: i32,
    /// Each part of the score, and whom an alternate replaces.
    pub reasons: Vec<String>,
    pub invited_at: DateTime<Utc>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// Invited in place of a decline or a silence.
    pub alternate: bool,
    /// Invited by a coordinator (named).
    pub invited_by: Option<String>,
    pub role: Option<Role>,
}

/// A panel as coordinators read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PanelView {
    pub alert_id: Uuid,
    pub panel_id: Uuid,
    pub title: String,
    pub formed: bool,
    pub cancelled: bool,
    /// Authors needed, and how many of them must share no line with one another.
    pub needed: usize,
    pub min_lines: usize,
    /// How the candidates were found and the first ones chosen.
    pub explanation: String,
    /// What coordinators were told when the panel could not form.
    pub shortfall: Option<String>,
    pub invitations: Vec<InvitationView>,
}

impl InvitationView {
    pub fn new(inv: &Invitation, member: Option<&Member>) -> Self {
        let state = match inv.answer {
            Answer::Pending if inv.replaced_at.is_some() => InvitationState::Expired,
            Answer::Pending => InvitationState::Pending,
            Answer::Accepted => InvitationState::Accepted,
            Answer::Declined => InvitationState::Declined,
            Answer::Withdrawn => InvitationState::Withdrawn,
        };
        Self {
            invitation_id: inv.invitation_id,
            member_id: inv.member_id,
            name: member.map_or_else(|| inv.member_id.to_string(), |m| m.name.clone()),
            lines: member.map(|m| m.lines.clone()).unwrap_or_default(),
            state,
            score: inv.score,
            reasons: inv.reasons.clone(),
            invited_at: inv.invited_at,
            reminded_at: inv.reminded_at,
            answered_at: inv.answered_at,
            note: inv.note.clone(),
            alternate: inv.alternate_for.is_some(),
            invited_by: inv.invited_by.clone(),
            role: inv.role,
        }
    }
}

/// A panel with its invitations and their members, read from one place.
pub(crate) fn view(roster: &Roster, panel: &Panel) -> Result<PanelView, rrm_bus::StoreError> {
    let invitations = store::invitations(&roster.store, panel)?;
    let members: BTreeMap<Uuid, Member> =
        store::members_by_id(&roster.store, invitations.iter().map(|i| i.member_id))?;
    Ok(PanelView {
        alert_id: panel.alert.alert_id,
        panel_id: panel.panel_id,
        title: panel.alert.title.clone(),
        formed: panel.formed,
        cancelled: panel.cancelled,
        needed: roster.settings.authors_needed,
        min_lines: roster.settings.min_lines,
        explanation: panel.explanation.clone(),
        shortfall: panel.shortfall.clone(),
        invitations: invitations
            .iter()
            .map(|i| InvitationView::new(i, members.get(&i.member_id)))
            .collect(),
    })
}

fn alert_id(raw: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(raw).map_err(|_| Problem::not_found("panel"))
}

#[utoipa::path(
    get, path = "/api/v1/panels/{alert_id}", tag = "panels", operation_id = "show_panel",
    summary = "An alert's panel: who was invited, why, and their answers",
    description = "Scope alerts:read.",
    params(("alert_id" = Uuid, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "The panel", body = PanelView),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks alerts:read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No panel for this alert (yet)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["alerts:read"]))
)]
pub async fn show(
    State(roster): State<Roster>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Json<PanelView>, Problem> {
    auth::authenticate(&roster.store, &headers, "alerts:read")?;
    let id = alert_id(&raw)?;
    let r = roster.clone();
    let view = roster
        .store
        .read(move |s| match store::panel(s, id)? {
            Some(panel) => view(&r, &panel).map(Some),
            None => Ok(None),
        })
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found("panel"))?;
    Ok(Json(view))
}

/// Whom a coordinator invites.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteMember {
    pub member_id: Uuid,
}

/// Invites a member by hand; the refusal as a problem.
pub(crate) async fn invite(
    roster: &Roster,
    alert_id: Uuid,
    member_id: Uuid,
    coordinator: &str,
) -> Result<Invitation, Problem> {
    let (r, who) = (roster.clone(), coordinator.to_owned());
    let result = roster
        .store
        .transact::<_, HandleError, _>(move |tx| {
            r.invite_by_hand(tx, alert_id, member_id, &who, (r.now)())
        })
        .await
        .map_err(Problem::internal)?;
    result.map_err(|refused| match refused {
        ByHand::NoPanel => Problem::not_found("panel"),
        ByHand::NoMember => Problem::new(
            StatusCode::NOT_FOUND,
            "Not found",
            "no active member with this id",
        ),
        ByHand::Cancelled => Problem::new(
            StatusCode::CONFLICT,
            "Alert cancelled",
            "the alert was cancelled: nobody more is invited",
        ),
        ByHand::AlreadyInvited => Problem::new(
            StatusCode::CONFLICT,
            "Already invited",
            "this member was invited for this alert already",
        ),
    })
}

#[utoipa::path(
    post, path = "/api/v1/panels/{alert_id}/invitations", tag = "panels",
    operation_id = "invite_member",
    summary = "Invite a member by hand",
    description = "Scope alerts:write. The member gets the same e-mail, reminder and link as \
                   any invited member; accepting after the panel formed makes them a co-signer.",
    params(("alert_id" = Uuid, Path, description = "The alert's id")),
    request_body(content = InviteMember, content_type = "application/json"),
    responses(
        (status = 201, description = "Invited", body = InvitationView),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks alerts:write", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No panel for this alert, or no active member with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already invited, or the alert was cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["alerts:write"]))
)]
pub async fn invite_member(
    State(roster): State<Roster>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Result<ApiJson<InviteMember>, Problem>,
) -> Result<Response, Problem> {
    let who = auth::authenticate(&roster.store, &headers, "alerts:write")?;
    let id = alert_id(&raw)?;
    let ApiJson(input) = body?;
    let invitation = invite(&roster, id, input.member_id, &who.name).await?;
    let member = store::member(&roster.store, input.member_id).map_err(Problem::internal)?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/panels/{id}"))],
        Json(InvitationView::new(&invitation, member.as_ref())),
    )
        .into_response())
}
