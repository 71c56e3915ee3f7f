//! Cancelling an alert: final, announced once, refused clearly, and nothing stored on error.

use super::*;
use rrm_contracts::{Event, TranslationCompleted, TranslationMethod};
use serde_json::json;
use uuid::Uuid;

async fn raised(app: &App) -> String {
    let (status, _, body) = post(app, Some(TOKEN), &alerts::alert().to_string()).await;
    assert_eq!(status, 201, "{body}");
    body["alert_id"].as_str().unwrap().to_owned()
}

async fn cancel(app: &App, token: Option<&str>, id: &str, body: &str) -> (u16, String, Value) {
    let path = format!("/api/v1/alerts/{id}/cancel");
    call(app, "POST", &path, token, Some(body)).await
}

fn reason() -> String {
    json!({ "reason": "raised by mistake" }).to_string()
}

#[tokio::test]
async fn a_coordinator_cancels_an_alert_and_the_other_services_are_told() {
    let (_dir, app) = app().await;
    let id = raised(&app).await;

    let (status, _, body) = cancel(&app, Some(TOKEN), &id, &reason()).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["cancellation"]["reason"], "raised by mistake");
    let cancelled = emitted(&app, "alert.cancelled");
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0].correlation_id.unwrap().to_string(), id);
    let shown = show(&app, &id).await;
    assert_eq!(shown["status"], "cancelled");
}

#[tokio::test]
async fn cancelling_twice_is_a_conflict_and_announces_nothing_more() {
    let (_dir, app) = app().await;
    let id = raised(&app).await;
    cancel(&app, Some(TOKEN), &id, &reason()).await;

    let (status, content_type, body) = cancel(&app, Some(TOKEN), &id, &reason()).await;

    assert_eq!(
        (status, content_type.as_str()),
        (409, "application/problem+json"),
        "{body}"
    );
    assert_eq!(emitted(&app, "alert.cancelled").len(), 1);
}

#[tokio::test]
async fn cancelling_an_unknown_alert_is_not_found() {
    let (_dir, app) = app().await;
    let (status, content_type, _) =
        cancel(&app, Some(TOKEN), &Uuid::now_v7().to_string(), &reason()).await;
    assert_eq!(
        (status, content_type.as_str()),
        (404, "application/problem+json")
    );
    assert_eq!(
        cancel(&app, Some(TOKEN), "not-a-uuid", &reason()).await.0,
        400
    );
}

#[tokio::test]
async fn cancelling_needs_a_token_with_the_write_scope() {
    let (_dir, app) = app().await;
    let id = raised(&app).await;
    let reader = issued(&app, &["alerts:read"]).await;

    assert_eq!(cancel(&app, None, &id, &reason()).await.0, 401);
    assert_eq!(
        cancel(&app, Some("not-a-token"), &id, &reason()).await.0,
        401
    );
    assert_eq!(cancel(&app, Some(&reader), &id, &reason()).await.0, 403);

    assert!(emitted(&app, "alert.cancelled").is_empty());
    let alert = store::alert(&app.service.store, id.parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(alert.status, crate::domain::AlertStatus::Open);
}

#[tokio::test]
async fn a_missing_or_oversized_reason_is_refused_and_nothing_is_stored() {
    let (_dir, app) = app().await;
    let id = raised(&app).await;

    for body in [
        json!({}),
        json!({ "reason": "" }),
        json!({ "reason": "x".repeat(501) }),
        json!({ "reason": "ok", "force": true }),
    ] {
        let (status, content_type, problem) =
            cancel(&app, Some(TOKEN), &id, &body.to_string()).await;
        assert_eq!(
            (status, content_type.as_str()),
            (422, "application/problem+json"),
            "{body}: {problem}"
        );
    }
    assert_eq!(cancel(&app, Some(TOKEN), &id, "{not json").await.0, 400);

    assert!(emitted(&app, "alert.cancelled").is_empty());
    let alert = store::alert(&app.service.store, id.parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(alert.status, crate::domain::AlertStatus::Open);
}

#[tokio::test]
async fn an_event_after_the_cancel_goes_on_the_timeline_without_reopening_the_alert() {
    let (_dir, app) = app().await;
    let id = raised(&app).await;
    cancel(&app, Some(TOKEN), &id, &reason()).await;
    let alert_id: Uuid = id.parse().unwrap();
    let late = Event::TranslationCompleted(TranslationCompleted {
        alert_id,
        oped_id: Uuid::now_v7(),
        language: LanguageCode::parse("fr").unwrap(),
        title: "Ponts".into(),
        body: "Texte.".into(),
        source_version_hash: "ab".repeat(32),
        signatories: Vec::new(),
        method: TranslationMethod::Machine,
        embargo_until: None,
        standfirst: String::new(),
        manifest_url: None,
        translator: None,
    });
    let envelope = Envelope::new(&late, "translation", Some(alert_id), None);
    deliver(&app, &envelope).await;

    let shown = show(&app, &id).await;
    assert_eq!(shown["status"], "cancelled");
    let types = timeline_field(&shown["timeline"], "type");
    assert_eq!(types, ["translation.completed"]);
}

#[tokio::test]
async fn an_event_raised_again_after_its_cancel_is_a_new_alert() {
    let (_dir, app) = app().await;
    let id = raised(&app).await;
    cancel(&app, Some(TOKEN), &id, &reason()).await;

    let (status, _, again) = post(&app, Some(TOKEN), &alerts::alert().to_string()).await;

    assert_eq!(status, 201, "{again}");
    assert_ne!(again["alert_id"].as_str().unwrap(), id);
}
