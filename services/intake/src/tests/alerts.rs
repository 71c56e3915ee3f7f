//! Raising alerts: authentication, problem+json for bad input with nothing written, and
//! duplicates returning the first alert.

use super::*;
use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;

pub fn alert() -> Value {
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
    assert_eq!(store::alert_count(&app.service.store).unwrap(), 1);
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
    let response = rrm_platform::http::with_limits(api::routes(app.clone()))
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
        store::alert_count(&app.service.store).unwrap(),
        0,
        "nothing half-written"
    );
    assert_eq!(
        app.service.store.outbox_len(),
        1,
        "only the bootstrap token event"
    );
}

#[tokio::test]
async fn read_only_expired_and_revoked_tokens_raise_nothing_and_unsupported_languages_are_named() {
    let (_dir, app) = app().await;
    let body = alert().to_string();

    let reader = issued(&app, &["alerts:read"]).await;
    let (status, content_type, problem) = post(&app, Some(&reader), &body).await;
    assert_eq!(
        (status, content_type.as_str()),
        (403, "application/problem+json"),
        "{problem}"
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("alerts:write"),
        "{problem}"
    );

    let expired = "expired-token-0123456789abcdef";
    let event =
        rrm_contracts::Event::CoordinatorTokenIssued(rrm_contracts::CoordinatorTokenIssued {
            token_id: uuid::Uuid::now_v7(),
            name: "night desk".into(),
            token_sha256: rrm_platform::auth::token_hash(expired),
            scopes: vec!["alerts:write".into()],
            expires_at: Some(chrono::Utc::now() - chrono::Duration::minutes(1)),
        });
    apply_credential(&app, event).await;
    assert_eq!(post(&app, Some(expired), &body).await.0, 401);

    let writer = issued(&app, &["alerts:write"]).await;
    let headers: axum::http::HeaderMap = [(
        axum::http::header::AUTHORIZATION,
        format!("Bearer {writer}").parse().unwrap(),
    )]
    .into_iter()
    .collect();
    let writer_id = rrm_platform::auth::authenticate(&app.service.store, &headers, "alerts:write")
        .unwrap()
        .token_id;
    let revoked =
        rrm_contracts::Event::CoordinatorTokenRevoked(rrm_contracts::CoordinatorTokenRevoked {
            token_id: writer_id,
        });
    apply_credential(&app, revoked).await;
    assert_eq!(post(&app, Some(&writer), &body).await.0, 401);

    // German is a real language, but not one this intake is configured to ask for.
    let mut german = alert();
    german["languages"] = json!(["ar", "de"]);
    let (status, _, problem) = post(&app, Some(TOKEN), &german.to_string()).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "languages");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("de"),
        "{problem}"
    );

    assert_eq!(store::alert_count(&app.service.store).unwrap(), 0);
    assert!(emitted(&app, "alert.raised").is_empty());
}
