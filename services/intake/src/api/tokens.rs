//! `/api/v1/tokens`: coordinator credentials, issued and revoked by admins (scope `admin`).
//!
//! A token's secret is random (32 bytes, URL-safe base64), shown once in the 201 answer and
//! never stored: intake keeps, and `coordinator.token_issued` carries, only its SHA-256. Each
//! change is applied to intake's own credentials (`auth::apply`) in the same transaction that
//! emits its event, so a token works here as soon as it is answered, and elsewhere once the
//! event arrives.
//!
//! # The bootstrap token
//!
//! `RRM_INTAKE__BOOTSTRAP_TOKEN` is announced once, as an `admin` token named "bootstrap
//! coordinator", listed and revocable like any other. It exists to create the first real admin:
//! when a token with the `admin` scope is created through this API, every bootstrap token still
//! active is revoked in the same transaction (each with its `coordinator.token_revoked`). An
//! operator who has lost every admin token sets a new bootstrap value and restarts intake; that
//! one, too, lasts until the next admin is created.

use super::App;
use crate::SERVICE;
use crate::domain::tokens::Scope;
use crate::domain::tokens::ValidToken;
use crate::domain::{self, NewToken, TokenRecord};
use crate::store;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use rrm_bus::{Tx, TxError, abort};
use rrm_contracts::{CoordinatorTokenIssued, CoordinatorTokenRevoked, Envelope, Event};
use rrm_platform::{ApiJson, Problem, Service, auth};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A new token as answered once: the record and its secret.
#[derive(Serialize, ToSchema)]
#[schema(as = CreatedToken)]
pub struct Created<'a> {
    token_id: Uuid,
    #[schema(value_type = String, example = "Amsterdam desk")]
    name: &'a str,
    #[schema(value_type = Vec<Scope>, min_items = 1)]
    scopes: &'a [String],
    /// When the token stops working; null: never.
    #[schema(required = true)]
    expires_at: Option<DateTime<Utc>>,
    /// The bearer secret, shown this once and never again (43 characters, URL-safe base64).
    #[schema(value_type = String)]
    token: &'a str,
}

/// A token as listed: never its secret or hash.
#[derive(Serialize, ToSchema)]
#[schema(as = Token)]
pub struct TokenView<'a> {
    token_id: Uuid,
    /// Who holds the token; "bootstrap coordinator" for the one from intake's settings.
    #[schema(value_type = String, example = "Amsterdam desk")]
    name: &'a str,
    #[schema(value_type = Vec<Scope>, min_items = 1)]
    scopes: &'a [String],
    /// When the token stops working; null: never.
    #[schema(required = true)]
    expires_at: Option<DateTime<Utc>>,
    /// Revoked for good.
    revoked: bool,
    created_at: DateTime<Utc>,
}

/// Every token.
#[derive(Serialize, ToSchema)]
pub struct TokenList<'a> {
    /// Oldest first, revoked ones included.
    tokens: Vec<TokenView<'a>>,
}

impl<'a> From<&'a TokenRecord> for TokenView<'a> {
    fn from(t: &'a TokenRecord) -> Self {
        Self {
            token_id: t.token_id,
            name: &t.name,
            scopes: &t.scopes,
            expires_at: t.expires_at,
            revoked: t.revoked,
            created_at: t.created_at,
        }
    }
}

/// 32 random bytes from the operating system, URL-safe base64 without padding: 43 characters.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Issues `record` with the secret's `hash`: stored, applied to intake's credentials, announced.
fn issue(tx: &Tx<'_>, record: &TokenRecord, hash: String) -> Result<(), rrm_bus::StoreError> {
    let event = Event::CoordinatorTokenIssued(CoordinatorTokenIssued {
        token_id: record.token_id,
        name: record.name.clone(),
        token_sha256: hash,
        scopes: record.scopes.clone(),
        expires_at: record.expires_at,
    });
    store::put_token(tx, record)?;
    auth::apply(tx, &event)?;
    tx.emit(&Envelope::new(&event, SERVICE, None, None))
}

/// Revokes `record` unless it already is; returns it as it now stands and whether it changed.
pub(crate) fn revoke(
    tx: &Tx<'_>,
    record: TokenRecord,
) -> Result<(TokenRecord, bool), rrm_bus::StoreError> {
    if record.revoked {
        return Ok((record, false));
    }
    let record = TokenRecord {
        revoked: true,
        ..record
    };
    let event = Event::CoordinatorTokenRevoked(CoordinatorTokenRevoked {
        token_id: record.token_id,
    });
    store::put_token(tx, &record)?;
    auth::apply(tx, &event)?;
    tx.emit(&Envelope::new(&event, SERVICE, None, None))?;
    Ok((record, true))
}

/// `POST /api/v1/tokens`.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    operation_id = "create_token",
    summary = "Issue a coordinator token (scope admin)",
    description = "Creating an admin token revokes the bootstrap token.",
    request_body(content = NewToken, content_type = "application/json"),
    responses(
        (status = 201, description = "Issued; the secret is in `token`, shown once", body = Created,
            headers(("Location" = String, description = "The token's URL"))),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks admin", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown scope, empty name, past expiry, unknown fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["admin"]))
)]
pub async fn create(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<ApiJson<NewToken>, Problem>,
) -> Result<Response, Problem> {
    let admin = auth::authenticate(&app.service.store, &headers, "admin")?;
    let ApiJson(input) = body?;
    let now = Utc::now();
    let valid = domain::validate_token(input, now).map_err(Problem::invalid_fields)?;
    let Issued { record, secret, .. } = issue_token(&app, valid, &admin.name, now)
        .await
        .map_err(Problem::internal)?;
    let location = format!("/api/v1/tokens/{}", record.token_id);
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        Json(Created {
            token_id: record.token_id,
            name: &record.name,
            scopes: &record.scopes,
            expires_at: record.expires_at,
            token: &secret,
        }),
    )
        .into_response())
}

/// `GET /api/v1/tokens`: every token, oldest first, revoked ones included.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    operation_id = "list_tokens",
    summary = "Every coordinator token, oldest first, without secrets or hashes (scope admin)",
    responses(
        (status = 200, description = "Tokens", body = TokenList),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["admin"]))
)]
pub async fn list(State(app): State<App>, headers: HeaderMap) -> Result<Response, Problem> {
    auth::authenticate(&app.service.store, &headers, "admin")?;
    let tokens = app
        .service
        .store
        .read(store::all_tokens)
        .await
        .map_err(Problem::internal)?;
    let views: Vec<TokenView<'_>> = tokens.iter().map(TokenView::from).collect();
    Ok(Json(TokenList { tokens: views }).into_response())
}

/// `POST /api/v1/tokens/{id}/revoke`: idempotent; only the first revocation is announced.
#[utoipa::path(
    post,
    path = "/api/v1/tokens/{id}/revoke",
    tag = "tokens",
    operation_id = "revoke_token",
    summary = "Revoke a token for good (scope admin)",
    description = "Revoking again answers the same and announces nothing.",
    params(("id" = Uuid, Path, description = "The token's id")),
    responses(
        (status = 200, description = "Revoked", body = TokenView),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("coordinator" = ["admin"]))
)]
pub async fn revoke_token(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let admin = auth::authenticate(&app.service.store, &headers, "admin")?;
    let id =
        Uuid::parse_str(&id).map_err(|_| Problem::bad_request("the token id is not a UUID"))?;
    let (record, changed) = app
        .service
        .store
        .transact(move |tx| {
            let record = store::token_in(tx, id)?.ok_or_else(|| abort(()))?;
            Ok(revoke(tx, record)?)
        })
        .await
        .map_err(|e| match e {
            TxError::Abort(()) => Problem::not_found("token"),
            TxError::Storage(e) => Problem::internal(e),
        })?;
    if changed {
        tracing::info!(token_id = %id, by = %admin.name, "coordinator token revoked");
    }
    Ok(Json(TokenView::from(&record)).into_response())
}

/// Announces the bootstrap coordinator token once (by hash; the token itself never leaves), and
/// keeps it listed so it can be revoked.
pub async fn bootstrap(service: &Service, token: &SecretString) -> anyhow::Result<()> {
    let token = token.expose_secret();
    if token.len() < 24 {
        anyhow::bail!("intake.bootstrap_token must be at least 24 characters");
    }
    let hash = auth::token_hash(token);
    let issued = service
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            if let Some(token_id) = store::bootstrap_marker(tx, &hash)? {
                // Announced by a version that kept no list of tokens: list it now.
                if store::token_in(tx, token_id)?.is_none() {
                    store::put_token(tx, &bootstrap_record(token_id))?;
                    store::add_bootstrap_token(tx, token_id)?;
                }
                return Ok(false);
            }
            let record = bootstrap_record(Uuid::now_v7());
            issue(tx, &record, hash.clone())?;
            store::add_bootstrap_token(tx, record.token_id)?;
            store::put_bootstrap_marker(tx, &hash, record.token_id)?;
            Ok(true)
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if issued {
        tracing::info!("bootstrap coordinator token announced");
    }
    Ok(())
}

fn bootstrap_record(token_id: Uuid) -> TokenRecord {
    // A UUIDv7 carries its creation time.
    let created_at = token_id
        .get_timestamp()
        .and_then(|t| {
            let (secs, nanos) = t.to_unix();
            DateTime::from_timestamp(secs as i64, nanos)
        })
        .unwrap_or_else(Utc::now);
    TokenRecord {
        token_id,
        name: "bootstrap coordinator".into(),
        scopes: vec!["admin".into()],
        expires_at: None,
        revoked: false,
        created_at,
        bootstrap: true,
    }
}

/// Issues a new token as `valid` says, on `by`'s behalf: a fresh secret, stored by its hash,
/// announced; a new admin token revokes every bootstrap token still active. Returns the token
/// and its secret (shown once, never stored). Durable when it returns.
pub(crate) async fn issue_token(
    app: &App,
    valid: ValidToken,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Issued, TxError<std::convert::Infallible>> {
    let secret = new_secret();
    let record = TokenRecord {
        token_id: Uuid::now_v7(),
        name: valid.name,
        scopes: valid.scopes,
        expires_at: valid.expires_at,
        revoked: false,
        created_at: now,
        bootstrap: false,
    };
    let hash = auth::token_hash(&secret);
    let stored = record.clone();
    let bootstraps_revoked = app
        .service
        .store
        .transact(move |tx| {
            issue(tx, &stored, hash)?;
            let mut revoked = 0;
            if stored.is_admin() {
                for id in store::bootstrap_tokens(tx)? {
                    if let Some(bootstrap) = store::token_in(tx, id)?
                        && revoke(tx, bootstrap)?.1
                    {
                        revoked += 1;
                    }
                }
            }
            Ok(revoked)
        })
        .await?;
    tracing::info!(token_id = %record.token_id, by, scopes = ?record.scopes, "coordinator token issued");
    if bootstraps_revoked > 0 {
        tracing::info!(
            count = bootstraps_revoked,
            "bootstrap token revoked: an admin token now exists"
        );
    }
    Ok(Issued {
        record,
        secret,
        bootstraps_revoked,
    })
}

/// A token just issued.
pub(crate) struct Issued {
    pub record: TokenRecord,
    /// The bearer token itself: shown to whoever asked, once; only its hash is kept.
    pub secret: String,
    /// Bootstrap tokens this admin token revoked.
    pub bootstraps_revoked: usize,
}
