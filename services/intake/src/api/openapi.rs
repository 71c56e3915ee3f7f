//! The API's OpenAPI document, served as written in `openapi.json` beside this file.

use axum::response::IntoResponse;

/// The document's text.
pub const DOCUMENT: &str = include_str!("openapi.json");

pub async fn document() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        DOCUMENT,
    )
}

#[cfg(test)]
mod tests {
    use super::DOCUMENT;

    /// The paths the router mounts, read from the router's own source.
    fn routed() -> Vec<String> {
        include_str!("mod.rs")
            .split(".route(")
            .skip(1)
            .filter_map(|rest| rest.trim_start().strip_prefix('"')?.split('"').next())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_route_of_the_router_is_in_the_document() {
        let document: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        let routes = routed();
        assert!(routes.len() >= 8, "{routes:?}");
        for route in routes {
            assert!(
                document["paths"].get(&route).is_some(),
                "{route} is routed but not documented"
            );
        }
    }
}
