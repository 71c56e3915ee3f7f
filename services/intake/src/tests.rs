//! The alert API as coordinators use it, in process: authentication, problem+json for bad
//! input with nothing written, and duplicates returning the first alert.

use super::*;
use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;

const TOKEN: &str = "coordinator-token-for-tests-0123456789";

async fn app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    std::fs::copy(config.join("default.toml"), dir.path().join("default.toml")).unwrap();
    let data = dir.path().join("data");
    std::fs::write(
        dir.path().join("test.toml"),
        format!(
            "[links]\nsecret = \"0123456789abcdef0123456789abcdef\"\n[storage]\ndata_dir = {:?}\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    let settings: Settings = rrm_platform::config::load_from(dir.path(), "test").unwrap();
    let service =
        Service::open(SERVICE, settings.common, &[ALERTS, DEDUP, TIMELINE, META]).unwrap();
    bootstrap(&service, &SecretString::from(TOKEN.to_owned()))
        .await
        .unwrap();
    // Announced once: a restart with the same token issues nothing new.
    bootstrap(&service, &SecretString::from(TOKEN.to_owned()))
        .await
        .unwrap();
    assert_eq!(service.store.outbox_len(), 1);
    let app = App {
        service,
        languages: Arc::new(vec![
            LanguageCode::parse("en").unwrap(),
            LanguageCode::parse("ar").unwrap(),
        ]),
        supported: Arc::new(
            ["ar", "en", "fr"]
                .iter()
                .map(|l| LanguageCode::parse(l).unwrap())
                .collect(),
        ),
        deadline_hours: 6,
        dedup_window: Duration::hours(24),
    };
    (dir, app)
}

async fn post(app: &App, token: Option<&str>, body: &str) -> (u16, String, Value) {
    let mut request = Request::post("/api/v1/alerts").header("content-type", "application/json");
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    let response = routes(app.clone())
        .oneshot(request.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        content_type,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn alert() -> Value {
    json!({ "title": "Riots after a burning", "summary": "Clashes in two cities.", "regions": ["europe"], "topics": ["religion"], "severity": "high" })
}

#[tokio::test]
async fn a_coordinator_raises_an_alert_and_its_event_is_in_the_outbox() {
    let (_dir, app) = app().await;
    let (status, _, body) = post(&app, Some(TOKEN), &alert().to_string()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["languages"], json!(["en", "ar"]));
    let events = app.service.store.outbox_batch(10).unwrap();
    let raised: Vec<_> = events
        .iter()
        .filter(|(_, e)| e.event_type == "alert.raised")
        .collect();
    assert_eq!(raised.len(), 1);
    assert_eq!(
        raised[0].1.correlation_id.unwrap().to_string(),
        body["alert_id"].as_str().unwrap()
    );
}

#[tokio::test]
async fn a_repeat_of_the_same_event_returns_the_first_alert() {
    let (_dir, app) = app().await;
    let (_, _, first) = post(&app, Some(TOKEN), &alert().to_string()).await;
    let mut again = alert();
    again["title"] = json!("RIOTS after a burning!");
    let (status, _, second) = post(&app, Some(TOKEN), &again.to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(second["duplicate"], true);
    assert_eq!(first["alert_id"], second["alert_id"]);
    assert_eq!(app.service.store.count(ALERTS).unwrap(), 1);
}

#[tokio::test]
async fn bad_requests_get_problem_json_and_change_nothing() {
    let (_dir, app) = app().await;
    let (status, content_type, body) = post(&app, None, &alert().to_string()).await;
    assert_eq!(
        (status, content_type.as_str()),
        (401, "application/problem+json")
    );
    assert_eq!(body["status"], 401);
    assert_eq!(
        post(&app, Some("not-a-token"), &alert().to_string())
            .await
            .0,
        401
    );
    // Without a token, even a malformed body is answered with 401, not with details about it.
    assert_eq!(post(&app, None, "{}").await.0, 401);
    assert_eq!(post(&app, None, "{not json").await.0, 401);

    let mut bad = alert();
    bad["languages"] = json!(["english"]);
    bad["title"] = json!("");
    let (status, content_type, body) = post(&app, Some(TOKEN), &bad.to_string()).await;
    assert_eq!(
        (status, content_type.as_str()),
        (422, "application/problem+json")
    );
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "languages"]);

    let mut unknown = alert();
    unknown["priority"] = json!(1);
    let (status, content_type, body) = post(&app, Some(TOKEN), &unknown.to_string()).await;
    assert_eq!(
        (status, content_type.as_str()),
        (422, "application/problem+json"),
        "{body}"
    );
    assert!(body["detail"].as_str().unwrap().contains("unknown field"));

    let (status, _, _) = post(&app, Some(TOKEN), "{not json").await;
    assert_eq!(status, 400);
    let huge = json!({ "title": "t", "summary": "x".repeat(300 * 1024), "severity": "low" });
    let response = rrm_platform::http::with_limits(routes(app.clone()))
        .oneshot(
            Request::post("/api/v1/alerts")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {TOKEN}"))
                .body(Body::from(huge.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);

    assert_eq!(
        app.service.store.count(ALERTS).unwrap(),
        0,
        "nothing half-written"
    );
    assert_eq!(
        app.service.store.outbox_len(),
        1,
        "only the bootstrap token event"
    );
}
