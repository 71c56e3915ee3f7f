//! What every service's OpenAPI document shares (feature `openapi`): the `coordinator`
//! security scheme every operation but the document itself names, and the document as served.

use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The `coordinator` security scheme: a coordinator token (issued by intake) as a bearer
/// token. Add it with `modifiers(&rrm_platform::openapi::CoordinatorScheme)`.
pub struct CoordinatorScheme;

impl Modify for CoordinatorScheme {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "coordinator",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A coordinator token, issued by intake (`POST /api/v1/tokens` on \
                         intake, or intake's bootstrap token); every service checks it",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as JSON, pretty-printed (an error object should it not serialise).
pub fn to_json(document: &OpenApi) -> String {
    document
        .to_pretty_json()
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
}
