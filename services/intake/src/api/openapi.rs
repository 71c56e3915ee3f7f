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
        title = "rrm intake",
        version = "1",
        description = "Raise, cancel and list alerts, read their timelines, receive Alertmanager \
                       notifications, and manage coordinator tokens. Every endpoint but this \
                       document needs a coordinator token: `Authorization: Bearer <token>`; an \
                       operation's security requirement names the scope the token needs (`admin` \
                       implies every scope). Errors are application/problem+json (RFC 9457).",
    ),
    modifiers(&CoordinatorScheme),
    tags(
        (name = "alerts", description = "Alerts and their timelines"),
        (name = "tokens", description = "Coordinator tokens (scope admin)"),
        (name = "webhooks", description = "Alerts raised by other systems"),
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

#[cfg(test)]
mod tests {
    use super::document;
    use crate::domain::SCOPES;
    use crate::tests::{app, call};
    use serde_json::Value;
    use std::collections::BTreeSet;

    /// Methods an operation can have, as the document and the router name them.
    const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "patch", "trace"];

    fn json() -> Value {
        serde_json::to_value(document()).unwrap()
    }

    /// Every documented operation: (upper-case method, path template).
    fn operations(document: &Value) -> Vec<(String, String)> {
        let mut operations = Vec::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for method in METHODS {
                if item.get(method).is_some() {
                    operations.push((method.to_uppercase(), path.clone()));
                }
            }
        }
        operations
    }

    /// A path template with every `{parameter}` filled in with a fresh UUID.
    fn concrete(template: &str) -> String {
        template
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    uuid::Uuid::now_v7().to_string()
                } else {
                    segment.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Each documented operation, asked of the router that serves intake: anything but the
    /// document itself answers 401 as a problem before reading the request, so an operation
    /// the router lacks shows up as a bare 404 or a 405.
    #[tokio::test]
    async fn every_documented_operation_is_routed() {
        let (_dir, app) = app().await;
        let document = json();
        let operations = operations(&document);
        assert!(operations.len() >= 10, "{operations:?}");
        for (method, path) in operations {
            let secured = document["paths"][&path][method.to_lowercase()]
                .get("security")
                .is_some();
            let (status, content_type, body) =
                call(&app, &method, &concrete(&path), None, None).await;
            if secured {
                assert_eq!(
                    (status, content_type.as_str()),
                    (401, "application/problem+json"),
                    "{method} {path} is documented but not routed: {body}"
                );
            } else {
                assert_eq!(status, 200, "{method} {path} is documented but not routed");
            }
        }
    }

    /// The other way round: on every documented path, each method the document does not name
    /// is refused by the router (405), so no method is served undocumented.
    #[tokio::test]
    async fn no_method_is_routed_that_the_document_lacks() {
        let (_dir, app) = app().await;
        let document = json();
        for (path, item) in document["paths"].as_object().unwrap() {
            for method in ["get", "put", "post", "delete", "patch"] {
                if item.get(method).is_none() {
                    let (status, ..) =
                        call(&app, &method.to_uppercase(), &concrete(path), None, None).await;
                    assert_eq!(status, 405, "{method} {path} is routed but not documented");
                }
            }
        }
    }

    /// The only way an API route reaches the router is `routes!` in `api::router`, which
    /// documents it: no file of the API routes anything by plain axum (`.route(`, `.nest(`, …).
    /// The console's pages (`pages::routes`, merged beside the API in `lib.rs`) are HTML for
    /// people, not the API, and never under `/api/`.
    #[test]
    fn routes_are_added_only_with_their_documentation() {
        let lib = include_str!("../lib.rs");
        let merges: Vec<&str> = lib.matches(".merge(").collect();
        assert_eq!(
            (
                merges.len(),
                lib.contains("api::routes(app.clone()).merge(pages::routes(app)?)")
            ),
            (1, true),
            "lib.rs merges only the console pages beside the API"
        );
        let pages = include_str!("../pages/mod.rs");
        for route in pages.split(".route(\"").skip(1) {
            assert!(
                route.starts_with("/console"),
                "a console page is routed outside /console: {}",
                route.split('"').next().unwrap_or_default()
            );
        }
        let sources = [
            ("api/mod.rs", include_str!("mod.rs")),
            ("api/alerts.rs", include_str!("alerts.rs")),
            ("api/tokens.rs", include_str!("tokens.rs")),
            ("api/webhooks.rs", include_str!("webhooks.rs")),
            ("api/openapi.rs", include_str!("openapi.rs")),
        ];
        let forbidden = [
            ".route(",
            ".route_service(",
            ".nest(",
            ".nest_service(",
            ".merge(",
            ".fallback(",
        ]
        .map(|call| call.to_string());
        for (file, source) in sources {
            // This test's own list of calls is not a call.
            let source = source.split("#[cfg(test)]").next().unwrap();
            for call in &forbidden {
                assert!(
                    !source.contains(call.as_str()),
                    "{file} routes with {call}, which the OpenAPI document never sees; use routes!"
                );
            }
        }
        let mounted = include_str!("mod.rs").matches(".routes(routes!(").count();
        let paths = json()["paths"].as_object().unwrap().len();
        assert_eq!(mounted, paths, "one routes! per documented path");
    }

    /// Every handler of the API's modules is documented: an `async fn` taking the app's state
    /// without a `#[utoipa::path]` above it would be a route the document cannot list.
    #[test]
    fn every_handler_has_its_path_attribute() {
        for (file, source) in [
            ("api/alerts.rs", include_str!("alerts.rs")),
            ("api/tokens.rs", include_str!("tokens.rs")),
            ("api/webhooks.rs", include_str!("webhooks.rs")),
        ] {
            let source = source.split("#[cfg(test)]").next().unwrap();
            let handlers = source.matches("State(app): State<App>").count();
            let documented = source.matches("#[utoipa::path(").count();
            assert_eq!(
                handlers, documented,
                "{file}: a handler lacks #[utoipa::path]"
            );
        }
    }

    /// The served document is the generated one.
    #[tokio::test]
    async fn the_document_is_served_without_a_token() {
        let (_dir, app) = app().await;
        let (status, content_type, body) =
            call(&app, "GET", "/api/v1/openapi.json", None, None).await;
        assert_eq!((status, content_type.as_str()), (200, "application/json"));
        assert_eq!(body, json());
    }

    /// Every `$ref` in `value`.
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    out.push(target);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_and_self_contained() {
        let document = json();
        assert_eq!(document["openapi"], "3.1.0");
        assert_eq!(document["info"]["title"], "rrm intake");
        assert!(document["info"]["version"].is_string());
        // It reads back as an OpenAPI document.
        let text = serde_json::to_string(&document).unwrap();
        let _: utoipa::openapi::OpenApi = serde_json::from_str(&text).unwrap();

        let schemas = document["components"]["schemas"].as_object().unwrap();
        let mut targets = Vec::new();
        refs(&document, &mut targets);
        assert!(!targets.is_empty());
        for target in targets {
            let name = target
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{target} points outside the schemas"));
            assert!(schemas.contains_key(name), "{target} points nowhere");
        }

        let mut ids = BTreeSet::new();
        for (method, path) in operations(&document) {
            let operation = &document["paths"][&path][method.to_lowercase()];
            let id = operation["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
            assert!(
                operation["summary"].is_string(),
                "{method} {path}: no summary"
            );
            // Every `{parameter}` of the path is a required path parameter.
            for segment in path.split('/') {
                if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    let declared =
                        operation["parameters"].as_array().unwrap().iter().any(|p| {
                            p["name"] == name && p["in"] == "path" && p["required"] == true
                        });
                    assert!(declared, "{method} {path}: {name} is not declared");
                }
            }
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path}: no success"
            );
            for (status, response) in responses {
                assert!(response["description"].is_string());
                if status.starts_with('4') {
                    assert_eq!(
                        response["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{method} {path} {status} is not a problem"
                    );
                }
            }
            if path == "/api/v1/openapi.json" {
                assert!(operation.get("security").is_none());
                continue;
            }
            // A coordinator token, with the scope it needs.
            let scopes = operation["security"][0]["coordinator"].as_array().unwrap();
            assert_eq!(scopes.len(), 1, "{method} {path}");
            assert!(SCOPES.contains(&scopes[0].as_str().unwrap()));
            assert!(responses.contains_key("401"), "{method} {path}: no 401");
        }
        assert_eq!(
            document["components"]["securitySchemes"]["coordinator"],
            serde_json::json!({
                "type": "http",
                "scheme": "bearer",
                "description": "A coordinator token, issued by intake (`POST /api/v1/tokens` on intake, or intake's bootstrap token); every service checks it"
            })
        );
    }

    fn required(document: &Value, schema: &str) -> Vec<String> {
        document["components"]["schemas"][schema]["required"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema} lists no required fields"))
            .iter()
            .map(|f| f.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn the_key_schemas_say_what_is_required() {
        let document = json();
        let schemas = &document["components"]["schemas"];
        assert_eq!(
            required(&document, "NewAlert"),
            ["title", "summary", "severity"]
        );
        assert_eq!(schemas["NewAlert"]["additionalProperties"], false);
        assert_eq!(
            schemas["NewAlert"]["properties"]["severity"]["enum"],
            serde_json::json!(["low", "medium", "high", "critical"])
        );
        let alert = required(&document, "Alert");
        for field in [
            "alert_id",
            "title",
            "summary",
            "regions",
            "topics",
            "severity",
            "languages",
            "deadline",
            "dedup_key",
            "raised_by",
            "raised_at",
            "status",
            "duplicate",
            "timeline",
        ] {
            assert!(alert.iter().any(|f| f == field), "Alert: {field}");
        }
        assert!(!alert.iter().any(|f| f == "cancellation"));
        assert!(schemas["Alert"]["properties"]["cancellation"].is_object());
        let listed = required(&document, "ListedAlert");
        assert!(listed.iter().all(|f| alert.contains(f)));
        assert_eq!(required(&document, "CancelAlert"), ["reason"]);
        assert_eq!(
            required(&document, "Problem"),
            ["type", "title", "status", "detail"]
        );
        assert_eq!(required(&document, "FieldProblem"), ["field", "message"]);
        assert_eq!(required(&document, "NewToken"), ["name", "scopes"]);
        assert_eq!(schemas["NewToken"]["additionalProperties"], false);
        assert!(required(&document, "Token").contains(&"revoked".to_owned()));
        assert!(required(&document, "CreatedToken").contains(&"token".to_owned()));
        assert_eq!(schemas["Scope"]["enum"], serde_json::json!(SCOPES));
        for token in ["NewToken", "Token", "CreatedToken"] {
            assert_eq!(
                schemas[token]["properties"]["scopes"]["items"]["$ref"],
                "#/components/schemas/Scope",
                "{token}"
            );
        }
        assert_eq!(
            required(&document, "AlertmanagerNotification"),
            ["version", "groupKey", "status", "alerts"]
        );
        assert_eq!(
            schemas["AlertmanagerNotification"]["properties"]["version"]["enum"],
            serde_json::json!(["4"])
        );
        assert_eq!(
            required(&document, "AlertmanagerAlert"),
            ["status", "labels", "startsAt", "fingerprint"]
        );
        assert_eq!(
            schemas["AlertmanagerOutcome"]["properties"]["outcome"]["enum"],
            serde_json::json!(["raised", "duplicate", "resolved_recorded", "ignored"])
        );
    }

    /// The listing's query parameters are the fields of `ListQuery`, the struct that reads them.
    #[test]
    fn the_listing_documents_its_query_parameters() {
        let document = json();
        let parameters = document["paths"]["/api/v1/alerts"]["get"]["parameters"]
            .as_array()
            .unwrap();
        let names: Vec<&str> = parameters
            .iter()
            .map(|p| {
                assert_eq!(p["in"], "query");
                p["name"].as_str().unwrap()
            })
            .collect();
        for name in ["limit", "cursor", "status", "since"] {
            assert!(names.contains(&name), "{name} is not documented");
        }
        let limit = &parameters[0]["schema"];
        assert_eq!(
            (&limit["minimum"], &limit["maximum"], &limit["default"]),
            (&Value::from(1), &Value::from(200), &Value::from(50))
        );
    }
}
