//! Roster's OpenAPI document against the router that serves it: every documented operation is
//! routed and guarded by a token, nothing undocumented is routed, the document is self-contained,
//! every error it documents is a problem, and the scopes it names are scopes intake issues.

use super::*;
use crate::api::openapi::document;
use serde_json::json;
use std::collections::BTreeSet;

/// Methods an operation can have, as the document names them.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "patch", "trace"];

/// The scopes intake issues tokens with (intake's `domain::SCOPES`).
const INTAKE_SCOPES: [&str; 5] = [
    "alerts:read",
    "alerts:write",
    "roster:write",
    "editors:write",
    "admin",
];

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
                Uuid::now_v7().to_string()
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The one scope an operation's security requirement names (`None`: no token needed).
fn scope(document: &Value, method: &str, path: &str) -> Option<String> {
    let operation = &document["paths"][path][method.to_lowercase()];
    let scopes = operation.get("security")?[0]["coordinator"].as_array()?;
    assert_eq!(scopes.len(), 1, "{method} {path} names one scope");
    scopes[0].as_str().map(str::to_owned)
}

/// Each documented operation, asked of the whole router (API, console, invitation pages) with
/// no token: anything but the document answers 401 as a problem before reading the request, so
/// an operation the router lacks would show up as a bare 404 or a 405.
#[tokio::test]
async fn every_documented_operation_is_routed_and_needs_a_token() {
    let f = fixture().await;
    let document = json();
    let operations = operations(&document);
    assert_eq!(operations.len(), 11, "{operations:?}");
    for (method, path) in operations {
        let answer = f.call(&method, &concrete(&path), None, None).await;
        if scope(&document, &method, &path).is_some() {
            assert_eq!(
                (answer.status, answer.content_type.as_str()),
                (401, "application/problem+json"),
                "{method} {path} is documented but not routed, or answers without a token: {}",
                answer.text
            );
            assert_eq!(answer.json["status"], 401, "{method} {path}");
        } else {
            assert_eq!(
                (answer.status, answer.content_type.as_str()),
                (200, "application/json"),
                "{method} {path} is documented but not routed"
            );
        }
    }
    // Nothing was changed by any of these calls.
    assert_eq!(store::all_members(&f.roster.store).unwrap().len(), 7);
}

/// The other way round: on every documented path, each method the document does not name is
/// refused by the router (405), so no method is served undocumented.
#[tokio::test]
async fn no_method_is_routed_that_the_document_lacks() {
    let f = fixture().await;
    let document = json();
    let mut refused = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_none() {
                let answer = f
                    .call(&method.to_uppercase(), &concrete(path), Some(TOKEN), None)
                    .await;
                assert_eq!(
                    answer.status, 405,
                    "{method} {path} is routed but not documented: {}",
                    answer.text
                );
                refused += 1;
            }
        }
    }
    assert!(refused >= 20, "{refused}");
    assert_eq!(store::all_members(&f.roster.store).unwrap().len(), 7);
}

/// The scope each operation documents is the one the router enforces: a token with
/// `alerts:read` only is refused (403 problem) exactly where the document asks for more.
#[tokio::test]
async fn the_documented_scope_is_the_one_enforced() {
    let f = fixture().await;
    let document = json();
    for (method, path) in operations(&document) {
        let Some(scope) = scope(&document, &method, &path) else {
            continue;
        };
        let answer = f.call(&method, &concrete(&path), Some(READER), None).await;
        if scope == "alerts:read" {
            assert_ne!(answer.status, 403, "{method} {path}: {}", answer.text);
            assert_ne!(answer.status, 401, "{method} {path}: {}", answer.text);
        } else {
            assert_eq!(
                (answer.status, answer.content_type.as_str()),
                (403, "application/problem+json"),
                "{method} {path} needs {scope}: {}",
                answer.text
            );
        }
    }
    assert_eq!(store::all_members(&f.roster.store).unwrap().len(), 7);
}

/// The served document is the generated one, without a token.
#[tokio::test]
async fn the_document_is_served_without_a_token() {
    let f = fixture().await;
    let answer = f.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (200, "application/json")
    );
    assert_eq!(answer.json, json());
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
fn every_ref_resolves_to_a_schema_of_the_document() {
    let document = json();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["title"], "rrm roster");
    // It reads back as an OpenAPI document.
    let text = serde_json::to_string(&document).unwrap();
    let _: utoipa::openapi::OpenApi = serde_json::from_str(&text).unwrap();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let mut targets = Vec::new();
    refs(&document, &mut targets);
    assert!(targets.len() >= 10, "{targets:?}");
    for target in targets {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target} points outside the schemas"));
        assert!(schemas.contains_key(name), "{target} points nowhere");
    }
}

#[test]
fn every_operation_is_described_and_every_error_is_a_problem() {
    let document = json();
    let mut ids = BTreeSet::new();
    for (method, path) in operations(&document) {
        let operation = &document["paths"][&path][method.to_lowercase()];
        let id = operation["operationId"].as_str().unwrap();
        assert!(ids.insert(id.to_owned()), "operationId {id} twice");
        assert!(operation["summary"].is_string(), "{method} {path}");
        for segment in path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let declared = operation["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true);
                assert!(declared, "{method} {path}: {name} is not declared");
            }
        }
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path}: no success"
        );
        for (status, response) in responses {
            assert!(
                response["description"].is_string(),
                "{method} {path} {status}"
            );
            if status.starts_with('4') {
                let content = response["content"].as_object().unwrap_or_else(|| {
                    panic!("{method} {path} {status} has no content");
                });
                assert_eq!(
                    content.keys().collect::<Vec<_>>(),
                    ["application/problem+json"],
                    "{method} {path} {status} is not a problem"
                );
                let schema = &content["application/problem+json"]["schema"]["$ref"];
                assert!(
                    schema == "#/components/schemas/Problem"
                        || (path == "/api/v1/members/import"
                            && status == "422"
                            && schema == "#/components/schemas/ImportProblem"),
                    "{method} {path} {status}: {schema}"
                );
            }
        }
        match scope(&document, &method, &path) {
            None => assert_eq!(path, "/api/v1/openapi.json", "{method} {path} is open"),
            Some(scope) => {
                assert!(
                    INTAKE_SCOPES.contains(&scope.as_str()),
                    "{method} {path}: {scope} is no scope intake issues"
                );
                assert!(responses.contains_key("401"), "{method} {path}: no 401");
                assert!(responses.contains_key("403"), "{method} {path}: no 403");
            }
        }
    }
    assert_eq!(
        document["components"]["securitySchemes"]["coordinator"]["scheme"],
        "bearer"
    );
}

/// What a client needs to know about the import's refusal and the listing's page is in the
/// document.
#[test]
fn the_import_refusal_and_the_page_say_what_they_hold() {
    let document = json();
    let schemas = &document["components"]["schemas"];
    let required = |schema: &str| -> BTreeSet<String> {
        schemas[schema]["required"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema} lists no required fields"))
            .iter()
            .map(|f| f.as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        required("RowProblem").is_superset(&["row", "field", "message"].map(String::from).into())
    );
    assert!(required("ImportProblem").contains("errors"));
    assert!(
        required("MemberPage").is_superset(&["members", "next_cursor"].map(String::from).into())
    );
    assert_eq!(schemas["MemberInput"]["additionalProperties"], json!(false));
}
