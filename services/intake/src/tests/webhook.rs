//! Alertmanager's webhook: firing alerts raise rrm alerts once, resolutions reach the timeline,
//! and a notification rrm cannot read is refused whole.

use super::*;
use serde_json::json;

/// A notification shaped as Alertmanager's documentation shows it.
fn notification(status: &str, fingerprint: &str) -> Value {
    json!({
        "version": "4",
        "groupKey": "{}/{severity=\"critical\"}:{alertname=\"Polarisation\"}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "rrm",
        "groupLabels": { "alertname": "Polarisation" },
        "commonLabels": { "alertname": "Polarisation", "severity": "critical" },
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [{
            "status": status,
            "labels": { "alertname": "Polarisation", "severity": "critical", "region": "europe", "topics": "religion,migration", "languages": "en,fr" },
            "annotations": { "summary": format!("Holy book burned ({fingerprint})"), "description": "Protests spread to three cities." },
            "startsAt": "2026-11-23T09:00:00Z",
            "endsAt": if status == "firing" { "0001-01-01T00:00:00Z" } else { "2026-11-23T11:00:00Z" },
            "generatorURL": "http://prometheus.example/graph?g0.expr=polarisation",
            "fingerprint": fingerprint
        }]
    })
}

async fn notify(app: &App, token: Option<&str>, body: &str) -> (u16, String, Value) {
    call(
        app,
        "POST",
        "/api/v1/webhooks/alertmanager",
        token,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_firing_alert_is_raised_with_its_labels_mapped() {
    let (_dir, app) = app().await;

    let (status, _, body) = notify(
        &app,
        Some(TOKEN),
        &notification("firing", "aa01").to_string(),
    )
    .await;

    assert_eq!(status, 200, "{body}");
    let outcome = &body["alerts"][0];
    assert_eq!(
        (&outcome["fingerprint"], &outcome["outcome"]),
        (&json!("aa01"), &json!("raised"))
    );
    let id = outcome["alert_id"].as_str().unwrap();
    let alert = show(&app, id).await;
    assert_eq!(alert["title"], "Holy book burned (aa01)");
    assert_eq!(alert["summary"], "Protests spread to three cities.");
    assert_eq!(alert["severity"], "critical");
    assert_eq!(alert["regions"], json!(["europe"]));
    assert_eq!(alert["topics"], json!(["religion", "migration"]));
    assert_eq!(alert["languages"], json!(["en", "fr"]));
    assert!(
        alert["dedup_key"]
            .as_str()
            .unwrap()
            .starts_with("am:{}/{severity=")
    );
    assert_eq!(emitted(&app, "alert.raised").len(), 1);
}

#[tokio::test]
async fn a_repeated_notification_returns_the_same_alert() {
    let (_dir, app) = app().await;
    let body = notification("firing", "aa01").to_string();
    let (_, _, first) = notify(&app, Some(TOKEN), &body).await;

    let (status, _, again) = notify(&app, Some(TOKEN), &body).await;

    assert_eq!(status, 200);
    assert_eq!(again["alerts"][0]["outcome"], "duplicate");
    assert_eq!(
        again["alerts"][0]["alert_id"],
        first["alerts"][0]["alert_id"]
    );
    assert_eq!(emitted(&app, "alert.raised").len(), 1);
}

#[tokio::test]
async fn a_resolution_goes_on_the_timeline_and_leaves_the_alert_open() {
    let (_dir, app) = app().await;
    let (_, _, first) = notify(
        &app,
        Some(TOKEN),
        &notification("firing", "aa01").to_string(),
    )
    .await;
    let id = first["alerts"][0]["alert_id"].as_str().unwrap().to_owned();

    let resolved = notification("resolved", "aa01").to_string();
    let (status, _, body) = notify(&app, Some(TOKEN), &resolved).await;
    // Alertmanager may send the same resolution again: it is recorded once.
    notify(&app, Some(TOKEN), &resolved).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["alerts"][0]["outcome"], "resolved_recorded");
    assert_eq!(body["alerts"][0]["alert_id"], id.as_str());
    let alert = show(&app, &id).await;
    assert_eq!(alert["status"], "open");
    let summaries = timeline_field(&alert["timeline"], "summary");
    assert_eq!(summaries, ["resolved in Alertmanager"]);
    assert!(emitted(&app, "alert.cancelled").is_empty());
}

#[tokio::test]
async fn a_resolution_of_an_unknown_alert_is_ignored() {
    let (_dir, app) = app().await;
    let (status, _, body) = notify(
        &app,
        Some(TOKEN),
        &notification("resolved", "ff99").to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["alerts"][0]["outcome"], "ignored");
    assert_eq!(body["alerts"][0]["alert_id"], Value::Null);
}

#[tokio::test]
async fn an_unknown_severity_is_raised_as_medium_with_a_note() {
    let (_dir, app) = app().await;
    let mut body = notification("firing", "aa01");
    body["alerts"][0]["labels"]["severity"] = json!("apocalyptic");
    let (_, _, answer) = notify(&app, Some(TOKEN), &body.to_string()).await;
    let id = answer["alerts"][0]["alert_id"].as_str().unwrap();
    assert!(
        answer["alerts"][0]["notes"][0]
            .as_str()
            .unwrap()
            .contains("apocalyptic")
    );
    let alert = show(&app, id).await;
    assert_eq!(alert["severity"], "medium");
}

#[tokio::test]
async fn a_notification_rrm_cannot_read_is_refused_whole_and_nothing_is_stored() {
    let (_dir, app) = app().await;
    let mut wrong_version = notification("firing", "aa01");
    wrong_version["version"] = json!("3");
    let mut no_fingerprint = notification("firing", "aa01");
    no_fingerprint["alerts"][0]
        .as_object_mut()
        .unwrap()
        .remove("fingerprint");
    let mut bad_language = notification("firing", "aa01");
    bad_language["alerts"][0]["labels"]["languages"] = json!("klingon");
    let mut bad_status = notification("firing", "aa01");
    bad_status["alerts"][0]["status"] = json!("pending");
    // A good alert beside a bad one: neither is stored.
    let mut one_bad = notification("firing", "aa01");
    let mut second = one_bad["alerts"][0].clone();
    second["fingerprint"] = json!("bb02");
    second["annotations"] = json!({});
    second["labels"] = json!({});
    one_bad["alerts"].as_array_mut().unwrap().push(second);

    for (body, field) in [
        (&wrong_version, Some("version")),
        (&no_fingerprint, None),
        (&bad_language, Some("alerts[0].languages")),
        (&bad_status, None),
        (&one_bad, Some("alerts[1].annotations.summary")),
    ] {
        let (status, content_type, problem) = notify(&app, Some(TOKEN), &body.to_string()).await;
        assert_eq!(
            (status, content_type.as_str()),
            (422, "application/problem+json"),
            "{problem}"
        );
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
    }
    assert_eq!(notify(&app, Some(TOKEN), "{not json").await.0, 400);
    assert_eq!(store::alert_count(&app.service.store).unwrap(), 0);
    assert!(emitted(&app, "alert.raised").is_empty());
}

#[tokio::test]
async fn fields_alertmanager_may_add_later_are_ignored() {
    let (_dir, app) = app().await;
    let mut body = notification("firing", "aa01");
    body["newField"] = json!({ "from": "a later release" });
    body["alerts"][0]["silencedBy"] = json!([]);
    let (status, _, answer) = notify(&app, Some(TOKEN), &body.to_string()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["alerts"][0]["outcome"], "raised");
}

#[tokio::test]
async fn the_webhook_needs_a_token_that_may_raise_alerts() {
    let (_dir, app) = app().await;
    let reader = issued(&app, &["alerts:read"]).await;
    let body = notification("firing", "aa01").to_string();
    assert_eq!(notify(&app, None, &body).await.0, 401);
    assert_eq!(notify(&app, Some(&reader), &body).await.0, 403);
    let writer = issued(&app, &["alerts:write"]).await;
    assert_eq!(notify(&app, Some(&writer), &body).await.0, 200);
}
