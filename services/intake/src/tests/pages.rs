//! Listing alerts a page at a time, newest first, with filters; and one alert's timeline.

use super::*;
use serde_json::json;

/// Raises `n` distinct alerts; returns their ids, oldest first.
async fn raise(app: &App, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let body =
            json!({ "title": format!("Event number {i}"), "summary": "s", "severity": "low" });
        let (status, _, alert) = post(app, Some(TOKEN), &body.to_string()).await;
        assert_eq!(status, 201, "{alert}");
        ids.push(alert["alert_id"].as_str().unwrap().to_owned());
    }
    ids
}

async fn list(app: &App, query: &str) -> (u16, Value) {
    let (status, _, body) = call(
        app,
        "GET",
        &format!("/api/v1/alerts{query}"),
        Some(TOKEN),
        None,
    )
    .await;
    (status, body)
}

fn ids(page: &Value) -> Vec<String> {
    page["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["alert_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn three_pages_hold_every_alert_once_newest_first() {
    let (_dir, app) = app().await;
    let mut raised = raise(&app, 7).await;
    raised.reverse();

    let (_, first) = list(&app, "?limit=3").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = list(&app, &format!("?limit=3&cursor={cursor}")).await;
    let cursor = second["next_cursor"].as_str().unwrap();
    let (_, third) = list(&app, &format!("?limit=3&cursor={cursor}")).await;

    assert_eq!(ids(&first), raised[0..3]);
    assert_eq!(ids(&second), raised[3..6]);
    assert_eq!(ids(&third), raised[6..7]);
    assert_eq!(third["next_cursor"], Value::Null);
    let (_, all) = list(&app, "").await;
    assert_eq!(ids(&all), raised, "50 by default");
    assert_eq!(all["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_listing_filters_by_status_and_by_time_raised() {
    let (_dir, app) = app().await;
    let ids_raised = raise(&app, 3).await;
    let reason = json!({ "reason": "mistake" }).to_string();
    let path = format!("/api/v1/alerts/{}/cancel", ids_raised[1]);
    assert_eq!(
        call(&app, "POST", &path, Some(TOKEN), Some(&reason))
            .await
            .0,
        200
    );

    let (_, cancelled) = list(&app, "?status=cancelled").await;
    let (_, open) = list(&app, "?status=open&limit=1").await;
    let future = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (_, none) = list(&app, &format!("?since={future}")).await;
    let (_, since_long_ago) = list(&app, "?since=2000-01-01T00:00:00Z").await;

    assert_eq!(ids(&cancelled), [ids_raised[1].clone()]);
    assert_eq!(ids(&open), [ids_raised[2].clone()]);
    let cursor = open["next_cursor"].as_str().unwrap();
    let (_, open_next) = list(&app, &format!("?status=open&limit=1&cursor={cursor}")).await;
    assert_eq!(ids(&open_next), [ids_raised[0].clone()]);
    assert!(ids(&none).is_empty());
    assert_eq!(ids(&since_long_ago).len(), 3);
}

#[tokio::test]
async fn bad_query_values_are_refused_field_by_field() {
    let (_dir, app) = app().await;
    raise(&app, 1).await;
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=201", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=not-a-cursor", "cursor"),
        ("?status=closed", "status"),
        ("?since=yesterday", "since"),
    ] {
        let (status, content_type, body) = call(
            &app,
            "GET",
            &format!("/api/v1/alerts{query}"),
            Some(TOKEN),
            None,
        )
        .await;
        assert_eq!(
            (status, content_type.as_str()),
            (400, "application/problem+json"),
            "{query}"
        );
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }
    assert_eq!(list(&app, "?page=2").await.0, 400);
    assert_eq!(call(&app, "GET", "/api/v1/alerts", None, None).await.0, 401);
}

#[tokio::test]
async fn an_alerts_timeline_is_one_request_away() {
    let (_dir, app) = app().await;
    let id = raise(&app, 1).await.remove(0);
    let reason = json!({ "reason": "mistake" }).to_string();
    call(
        &app,
        "POST",
        &format!("/api/v1/alerts/{id}/cancel"),
        Some(TOKEN),
        Some(&reason),
    )
    .await;
    for envelope in outbox(&app) {
        deliver(&app, &envelope).await;
    }

    let (status, _, body) = call(
        &app,
        "GET",
        &format!("/api/v1/alerts/{id}/timeline"),
        Some(TOKEN),
        None,
    )
    .await;

    assert_eq!(status, 200, "{body}");
    let types = timeline_field(&body["timeline"], "type");
    assert_eq!(types, ["alert.raised", "alert.cancelled"]);
    let unknown = format!("/api/v1/alerts/{}/timeline", uuid::Uuid::now_v7());
    assert_eq!(call(&app, "GET", &unknown, Some(TOKEN), None).await.0, 404);
}
