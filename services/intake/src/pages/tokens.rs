//! `/console/tokens`: coordinator tokens for admins (scope `admin`) — the list, the form that
//! issues one (its secret shown once, on the page that answers the form), and a revoke button
//! per token. Issuing and revoking go through the API's own functions, events included.

use super::{ConsoleApp, parse_utc};
use crate::api::tokens::{issue_token, revoke as revoke_in};
use crate::domain::{self, NewToken, SCOPES};
use crate::store;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use rrm_bus::{TxError, abort};
use rrm_platform::FieldProblem;
use rrm_platform::console::see_other;
use rrm_platform::console::{ConsoleForm, SignedIn};
use serde_json::json;
use uuid::Uuid;

pub async fn list(State(s): State<ConsoleApp>, who: SignedIn) -> Response {
    if !who.may("admin") {
        return s.console.lacks_scope(&who, "admin", "managing tokens");
    }
    page(&s, &who, StatusCode::OK, &[], "", &[], "").await
}

/// Fields repeat (one `scopes` per ticked box), so the form is read as its pairs.
pub async fn create(
    State(s): State<ConsoleApp>,
    ConsoleForm {
        signed_in: who,
        form,
    }: ConsoleForm<Vec<(String, String)>>,
) -> Response {
    if !who.may("admin") {
        return s.console.lacks_scope(&who, "admin", "managing tokens");
    }
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let name = field("name");
    let expires = field("expires_at");
    let scopes: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "scopes")
        .map(|(_, v)| v.clone())
        .collect();
    let now = Utc::now();
    let mut problems = Vec::new();
    let expires_at = match expires.trim() {
        "" => None,
        raw => parse_utc(raw).or_else(|| {
            problems.push(FieldProblem {
                field: "expires_at".into(),
                message: "must be a date and time in UTC, e.g. 2026-12-31T23:59".into(),
            });
            None
        }),
    };
    let valid = domain::validate_token(
        NewToken {
            name: name.clone(),
            scopes: scopes.clone(),
            expires_at,
        },
        now,
    );
    let valid = match valid {
        Ok(valid) if problems.is_empty() => valid,
        refused => {
            problems.extend(refused.err().unwrap_or_default());
            return page(
                &s,
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                &problems,
                &name,
                &scopes,
                &expires,
            )
            .await;
        }
    };
    let issued = match issue_token(&s.app, valid, &who.coordinator.name, now).await {
        Ok(issued) => issued,
        Err(e) => return s.console.unavailable(&who, e),
    };
    s.page(
        StatusCode::CREATED,
        "Token created",
        "token_created",
        &json!({
            "token": issued.record,
            "secret": issued.secret,
            "bootstraps_revoked": issued.bootstraps_revoked,
        }),
        &who.frame(),
    )
}

/// A form with nothing but its CSRF value (checked by [`ConsoleForm`]).
#[derive(serde::Deserialize)]
pub struct JustCsrf {}

pub async fn revoke(
    State(s): State<ConsoleApp>,
    Path(id): Path<String>,
    ConsoleForm { signed_in: who, .. }: ConsoleForm<JustCsrf>,
) -> Response {
    if !who.may("admin") {
        return s.console.lacks_scope(&who, "admin", "managing tokens");
    }
    let Ok(id) = Uuid::parse_str(&id) else {
        return s.console.error(
            &who,
            StatusCode::BAD_REQUEST,
            "Not a token",
            "This address does not name a token.",
        );
    };
    let revoked = s
        .app
        .service
        .store
        .transact(move |tx| {
            let record = store::token_in(tx, id)?.ok_or_else(|| abort(()))?;
            Ok(revoke_in(tx, record)?)
        })
        .await;
    match revoked {
        Ok((_, changed)) => {
            if changed {
                tracing::info!(token_id = %id, by = %who.coordinator.name, "coordinator token revoked from the console");
            }
            see_other(&s.url("/console/tokens"))
        }
        Err(TxError::Abort(())) => s.console.error(
            &who,
            StatusCode::NOT_FOUND,
            "No such token",
            "There is no token with this id.",
        ),
        Err(TxError::Storage(e)) => s.console.unavailable(&who, e),
    }
}

async fn page(
    s: &ConsoleApp,
    who: &SignedIn,
    status: StatusCode,
    problems: &[FieldProblem],
    name: &str,
    scopes: &[String],
    expires: &str,
) -> Response {
    let tokens = match s.app.service.store.read(store::all_tokens).await {
        Ok(tokens) => tokens,
        Err(e) => return s.console.unavailable(who, e),
    };
    let now = Utc::now();
    let tokens: Vec<_> = tokens
        .iter()
        .map(|t| {
            json!({
                "token": t,
                "expired": t.expires_at.is_some_and(|e| e <= now),
                "scopes": t.scopes.join(", "),
            })
        })
        .collect();
    let choices: Vec<_> = SCOPES
        .iter()
        .map(|scope| json!({ "value": scope, "checked": scopes.iter().any(|s| s == scope) }))
        .collect();
    s.page(
        status,
        "Tokens",
        "tokens",
        &json!({
            "tokens": tokens,
            "scopes": choices,
            "errors": FieldProblem::by_field(problems),
            "form": { "name": name, "expires_at": expires },
            "csrf": who.csrf(),
        }),
        &who.frame(),
    )
}
