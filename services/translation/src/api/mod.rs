//! Translation's HTTP API under `/api/v1/`: the translators (`translators`). Every route but the
//! OpenAPI document needs a coordinator token (`Authorization: Bearer`), checked before
//! anything about the request is answered. Handlers are mounted only through `routes!`, so the
//! router and the OpenAPI document ([`openapi`]) come from the same declarations.

pub mod openapi;
pub mod translators;

use crate::Translation;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route of the API with its documentation: one `routes!` per path.
pub fn router() -> OpenApiRouter<Translation> {
    OpenApiRouter::with_openapi(openapi::Info::openapi())
        .routes(routes!(translators::list, translators::add))
        .routes(routes!(translators::import_csv))
        .routes(routes!(translators::export_csv))
        .routes(routes!(
            translators::show,
            translators::edit,
            translators::delete
        ))
        .routes(routes!(openapi::serve))
}

/// Every route of the API, served.
pub fn routes(translation: Translation) -> Router {
    let (router, _document) = router().split_for_parts();
    router.with_state(translation)
}
