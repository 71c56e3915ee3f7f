//! The API's OpenAPI 3.1 document, generated from the code: each handler's `#[utoipa::path]`,
//! the `ToSchema` of the types it reads and answers, and what [`Info`] adds (title, the
//! coordinator token's security scheme). Built once, on first use, from [`super::router`]: the
//! same value that routes the requests.

use axum::http::header;
use axum::response::IntoResponse;
use rrm_platform::openapi::CoordinatorScheme;
use std::sync::OnceLock;

/// What the document says beyond its operations.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "rrm translation",
        version = "1",
        description = "Manage the translators who translate and review op-eds: their \
                       language pairs and how many jobs each takes at once (list, create, edit, \
                       pause, remove, CSV import and export). Every endpoint but this document \
                       needs a coordinator token (issued by intake): `Authorization: Bearer \
                       <token>`; an operation's security requirement names the scope the token \
                       needs (`admin` implies every scope). Errors are application/problem+json \
                       (RFC 9457).",
    ),
    modifiers(&CoordinatorScheme),
    tags(
        (name = "translators", description = "Translators and reviewers (scope translators:write)"),
        (name = "meta", description = "About the API itself"),
    )
)]
pub struct Info;

/// The document.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| super::router().into_openapi())
}

/// The document as served: JSON, written once.
fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| rrm_platform::openapi::to_json(document()))
}

#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    operation_id = "openapi_document",
    summary = "This document",
    description = "Needs no token.",
    responses(
        (status = 200, description = "OpenAPI 3.1", content_type = "application/json"),
    )
)]
pub async fn serve() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], json())
}
