//! Drafting's HTTP API.
//!
//! Public, for editors checking who signed exactly what:
//! - `GET /keys/manifest.pem`: the public half of the key manifests are signed with now;
//!   `GET /keys/{key_id}.pem`: the same, by the key id a manifest names (stable as long as that
//!   key is kept).
//! - `GET /manifests/{oped_id}/{version_hash}.json`: a signature manifest, byte for byte as
//!   signed; `….sig`: its Ed25519 signature (64 raw bytes).
//!
//! For coordinators (bearer token, `alerts:read`):
//! - `GET /api/v1/drafts/{draft_id}/audit`: the draft's audit log with its chain checked.
//!
//! `runbooks/drafting-and-signatures.md` says how to verify a manifest with `openssl`.

use crate::pages::console::audit_report;
use crate::{Drafting, store};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use base64::Engine;
use rrm_platform::{Problem, auth};
use serde::Serialize;
use uuid::Uuid;

pub(crate) fn routes(drafting: Drafting) -> Router {
    Router::new()
        .route("/keys/{file}", get(public_key))
        .route("/manifests/{oped}/{file}", get(manifest))
        .route("/api/v1/drafts/{id}/audit", get(audit))
        .with_state(drafting)
}

/// Where a manifest is published.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestUrls {
    pub url: String,
    pub signature_url: String,
    pub public_key_url: String,
}

impl Drafting {
    pub(crate) fn manifest_urls(&self, oped: Uuid, hash: &str) -> ManifestUrls {
        let url = format!("{}/manifests/{oped}/{hash}.json", self.public_url);
        ManifestUrls {
            signature_url: format!("{}/manifests/{oped}/{hash}.sig", self.public_url),
            url,
            public_key_url: format!("{}/keys/{}.pem", self.public_url, self.key.id()),
        }
    }
}

fn not_found(what: &str) -> Response {
    Problem::not_found(what).into_response()
}

async fn public_key(State(app): State<Drafting>, Path(file): Path<String>) -> Response {
    let Some(id) = file.strip_suffix(".pem") else {
        return not_found("key");
    };
    if id != "manifest" && id != app.key.id() {
        return not_found("key");
    }
    (
        [
            (header::CONTENT_TYPE, "application/x-pem-file"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        app.key.public_key_pem(),
    )
        .into_response()
}

async fn manifest(
    State(app): State<Drafting>,
    Path((oped, file)): Path<(String, String)>,
) -> Response {
    let (hash, signature) = match (file.strip_suffix(".json"), file.strip_suffix(".sig")) {
        (Some(h), _) => (h.to_owned(), false),
        (_, Some(h)) => (h.to_owned(), true),
        _ => return not_found("manifest"),
    };
    let Ok(oped) = Uuid::parse_str(&oped) else {
        return not_found("manifest");
    };
    let found = match store::manifest(&app.store, oped, &hash) {
        Ok(Some(m)) => m,
        Ok(None) => return not_found("manifest"),
        Err(e) => return Problem::internal(e).into_response(),
    };
    if signature {
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(&found.signature) else {
            return Problem::internal("a stored signature is not base64").into_response();
        };
        return ([(header::CONTENT_TYPE, "application/octet-stream")], raw).into_response();
    }
    // The bytes as signed: never re-serialised.
    ([(header::CONTENT_TYPE, "application/json")], found.manifest).into_response()
}

async fn audit(
    State(app): State<Drafting>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, Problem> {
    auth::authenticate(&app.store, &headers, "alerts:read")?;
    let id = Uuid::parse_str(&raw).map_err(|_| Problem::not_found("draft"))?;
    let report = app
        .store
        .read(move |s| audit_report(s, id))
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found("draft"))?;
    Ok((StatusCode::OK, Json(report)).into_response())
}
