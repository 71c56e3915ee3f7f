//! `/console/panels`: each alert's panel — why these members (the explanation and each
//! invitation's score and reasons), where each invitation stands — and inviting a member by
//! hand (scope `alerts:write`). Reading needs `alerts:read`.

use crate::Roster;
use crate::api::panels::{invite as invite_in, view};
use crate::store;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rrm_platform::console::{ConsoleForm, SignedIn, see_other};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

pub(crate) async fn list(State(roster): State<Roster>, who: SignedIn) -> Response {
    if !who.may("alerts:read") {
        return roster
            .console
            .lacks_scope(&who, "alerts:read", "reading panels");
    }
    match roster.store.read(|s| store::recent_panels(s, 100)).await {
        Ok(panels) => {
            let rows: Vec<_> = panels
                .iter()
                .map(|p| {
                    json!({
                        "alert_id": p.alert.alert_id,
                        "title": p.alert.title,
                        "mobilised_at": p.mobilised_at,
                        "invited": p.invitations.len(),
                        "formed": p.formed,
                        "cancelled": p.cancelled,
                        "shortfall": p.shortfall,
                    })
                })
                .collect();
            roster.console_page(
                &who,
                StatusCode::OK,
                "Panels",
                "panels",
                json!({ "panels": rows }),
            )
        }
        Err(e) => roster.console.unavailable(&who, e),
    }
}

async fn page(
    roster: &Roster,
    who: &SignedIn,
    raw: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let Ok(alert_id) = Uuid::parse_str(raw) else {
        return roster.console.error(
            who,
            StatusCode::NOT_FOUND,
            "No such panel",
            "No panel was mobilised for this alert.",
        );
    };
    let r = roster.clone();
    let found = roster
        .store
        .read(move |s| match store::panel(s, alert_id)? {
            Some(p) => view(&r, &p).map(Some),
            None => Ok(None),
        })
        .await;
    match found {
        Ok(Some(panel)) => roster.console_page(
            who,
            status,
            &format!("Panel: {}", panel.title),
            "panel",
            json!({ "panel": panel, "error": error, "may_invite": who.may("alerts:write") }),
        ),
        Ok(None) => roster.console.error(
            who,
            StatusCode::NOT_FOUND,
            "No such panel",
            "No panel was mobilised for this alert (yet: roster may still be choosing).",
        ),
        Err(e) => roster.console.unavailable(who, e),
    }
}

pub(crate) async fn show(
    State(roster): State<Roster>,
    who: SignedIn,
    Path(raw): Path<String>,
) -> Response {
    if !who.may("alerts:read") {
        return roster
            .console
            .lacks_scope(&who, "alerts:read", "reading panels");
    }
    page(&roster, &who, &raw, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct InviteForm {
    #[serde(default)]
    email: String,
}

pub(crate) async fn invite(
    State(roster): State<Roster>,
    Path(raw): Path<String>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<InviteForm>,
) -> Response {
    if !who.may("alerts:write") {
        return roster
            .console
            .lacks_scope(&who, "alerts:write", "inviting members");
    }
    let Ok(alert_id) = Uuid::parse_str(&raw) else {
        return roster.console.error(
            &who,
            StatusCode::NOT_FOUND,
            "No such panel",
            "No panel was mobilised for this alert.",
        );
    };
    let member = match store::member_by_email(&roster.store, form.email.trim()) {
        Ok(Some(m)) => m,
        Ok(None) => {
            let message = format!(
                "No member has the address “{}”. Nobody was invited.",
                form.email.trim()
            );
            return page(
                &roster,
                &who,
                &raw,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&message),
            )
            .await;
        }
        Err(e) => return roster.console.unavailable(&who, e),
    };
    match invite_in(&roster, alert_id, member.member_id, &who.coordinator.name).await {
        Ok(_) => see_other(&format!("{}/console/panels/{alert_id}", roster.public_url)),
        Err(problem) => {
            let message = format!("{} was not invited: {}.", member.name, problem.detail);
            page(
                &roster,
                &who,
                &raw,
                StatusCode::from_u16(problem.status).unwrap_or(StatusCode::CONFLICT),
                Some(&message),
            )
            .await
        }
    }
}
