//! Roster's HTTP API under `/api/v1/`: members (`members`) and panels (`panels`). Every route
//! but the OpenAPI document needs a coordinator token (`Authorization: Bearer`), checked before
//! anything about the request is answered. Handlers are mounted only through `routes!`, so the
//! router and the OpenAPI document ([`openapi`]) come from the same declarations.

pub mod members;
pub mod openapi;
pub mod panels;

use crate::Roster;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route of the API with its documentation: one `routes!` per path.
pub fn router() -> OpenApiRouter<Roster> {
    OpenApiRouter::with_openapi(openapi::Info::openapi())
        .routes(routes!(members::list, members::add))
        .routes(routes!(members::import_csv))
        .routes(routes!(members::export_csv))
        .routes(routes!(members::show, members::edit, members::remove))
        .routes(routes!(members::data))
        .routes(routes!(panels::show))
        .routes(routes!(panels::invite_member))
        .routes(routes!(openapi::serve))
}

/// Every route of the API, served.
pub fn routes(roster: Roster) -> Router {
    let (router, _document) = router().split_for_parts();
    router.with_state(roster)
}
