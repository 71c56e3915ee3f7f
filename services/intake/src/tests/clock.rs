//! The pipeline's clock on tokio's paused time: a stage past its budget is marked overdue once,
//! announced, put on the timeline and e-mailed; a finished or cancelled stage never is; timers
//! outlive a restart.

use super::*;
use crate::clock::Clock;
use crate::domain::Stage;
use chrono::{DateTime, Utc};
use rrm_contracts::{EmailAddress, Event, PanelFormed, PanelMember};
use rrm_platform::clock::Now;
use rrm_platform::mail::{MailWaker, OutgoingMail};
use serde_json::json;
use std::time::Duration as StdDuration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const MINUTE: StdDuration = StdDuration::from_secs(60);

/// Wall time that moves with tokio's (paused) clock.
fn paused_now() -> Now {
    let (anchor, start) = (Utc::now(), tokio::time::Instant::now());
    Arc::new(move || anchor + chrono::Duration::from_std(start.elapsed()).unwrap())
}

fn clock(app: &App, now: Now) -> Clock {
    Clock {
        store: app.service.store.clone(),
        now,
        tick: MINUTE,
        recipients: Arc::new(vec![(
            "Coordinators".into(),
            EmailAddress::parse("desk@example.org").unwrap(),
        )]),
        mail_domain: "rrm.test".into(),
        public_url: "https://rrm.example.org/intake".into(),
        pages: Arc::new(crate::clock::mail_pages().unwrap()),
        mail: MailWaker::default(),
    }
}

/// Runs `clock` in the background until the returned token is cancelled.
fn started(clock: Clock) -> CancellationToken {
    let stop = CancellationToken::new();
    tokio::spawn(rrm_platform::clock::run(clock, stop.clone()));
    stop
}

async fn raised(app: &App, title: &str) -> String {
    let body = json!({ "title": title, "summary": "s", "severity": "high" });
    let (status, _, alert) = post(app, Some(TOKEN), &body.to_string()).await;
    assert_eq!(status, 201, "{alert}");
    alert["alert_id"].as_str().unwrap().to_owned()
}

fn stage_state(alert: &Value, stage: &str) -> String {
    alert["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == stage)
        .unwrap()["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The mails queued so far (reading on a blocking thread, so paused time stands still).
async fn mails(app: &App) -> Vec<OutgoingMail> {
    app.service
        .store
        .read(|s| {
            s.scan::<OutgoingMail>(rrm_platform::mail::TREE, b"")?
                .map(|item| item.map(|(_, m)| m))
                .collect()
        })
        .await
        .unwrap()
}

/// Sleeps on the paused clock: time jumps ahead as far as the clock's own sleeps let it.
async fn wait(d: StdDuration) {
    tokio::time::sleep(d).await;
}

#[tokio::test(start_paused = true)]
async fn a_stage_past_its_budget_is_overdue_once_announced_timelined_and_mailed() {
    let (_dir, app) = app().await;
    let id = raised(&app, "Attack on a synagogue").await;
    let _stop = started(clock(&app, paused_now()));

    // Mobilisation's budget is 30 minutes.
    wait(29 * MINUTE).await;
    let alert = show(&app, &id).await;
    assert_eq!(stage_state(&alert, "mobilisation"), "running");
    assert_eq!(alert["overdue"], false);
    assert!(emitted(&app, "alert.stage_overdue").is_empty());
    assert!(mails(&app).await.is_empty());

    wait(2 * MINUTE).await;
    let alert = show(&app, &id).await;
    assert_eq!(stage_state(&alert, "mobilisation"), "overdue");
    assert_eq!(alert["overdue"], true);
    let announced = emitted(&app, "alert.stage_overdue");
    assert_eq!(announced.len(), 1);
    assert_eq!(announced[0].correlation_id.unwrap().to_string(), id);
    let Event::StageOverdue(overdue) = announced[0].decode().unwrap() else {
        panic!("not a stage_overdue event")
    };
    assert_eq!(overdue.stage, Stage::Mobilisation);
    assert_eq!(
        overdue.due_at - overdue.started_at,
        chrono::Duration::minutes(30)
    );
    let lines = timeline_field(&alert["timeline"], "summary");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("mobilisation is overdue")),
        "{lines:?}"
    );
    let mails = mails(&app).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0].mail;
    assert_eq!(mail.to.as_str(), "desk@example.org");
    assert_eq!(
        mail.subject,
        "Overdue: mobilisation of “Attack on a synagogue”"
    );
    assert!(
        mail.text.contains(&format!(
            "https://rrm.example.org/intake/console/alerts/{id}"
        )),
        "{}",
        mail.text
    );
    assert!(
        mail.text.contains("0 invited, 0 accepted, 0 declined"),
        "{}",
        mail.text
    );

    // Hours later, still one announcement and one mail: a stage is overdue once.
    wait(180 * MINUTE).await;
    assert_eq!(emitted(&app, "alert.stage_overdue").len(), 1);
    assert_eq!(self::mails(&app).await.len(), 1);
    let listed = call(
        &app,
        "GET",
        "/api/v1/alerts?overdue=true",
        Some(TOKEN),
        None,
    )
    .await
    .2;
    assert_eq!(listed["alerts"][0]["alert_id"], id.as_str());
    let on_time = call(
        &app,
        "GET",
        "/api/v1/alerts?overdue=false",
        Some(TOKEN),
        None,
    )
    .await
    .2;
    assert_eq!(on_time["alerts"], json!([]));
}

fn member(name: &str) -> PanelMember {
    PanelMember {
        member_id: Uuid::now_v7(),
        name: name.into(),
        email: EmailAddress::parse(&format!("{}@example.org", name.to_lowercase())).unwrap(),
        line: name.into(),
        signs_as: String::new(),
    }
}

/// Delivers `event` about alert `id` to intake's handler, as if from the broker, dated `at`.
async fn deliver_at(app: &App, id: &str, event: Event, at: DateTime<Utc>) {
    let alert_id = Uuid::parse_str(id).unwrap();
    let mut envelope = Envelope::new(&event, "roster", Some(alert_id), None);
    envelope.occurred_at = at;
    let app = app.clone();
    // On a blocking thread, so paused time stands still while it commits.
    tokio::task::spawn_blocking(move || {
        tokio::runtime::Handle::current().block_on(deliver(&app, &envelope))
    })
    .await
    .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_stage_that_finishes_in_time_is_never_overdue_and_the_next_one_is_timed() {
    let (_dir, app) = app().await;
    let id = raised(&app, "Riots after a cartoon").await;
    let now = paused_now();
    let _stop = started(clock(&app, now.clone()));

    wait(20 * MINUTE).await;
    let formed = Event::PanelFormed(PanelFormed {
        alert_id: Uuid::parse_str(&id).unwrap(),
        panel_id: Uuid::now_v7(),
        title: "t".into(),
        summary: "s".into(),
        languages: vec![LanguageCode::parse("en").unwrap()],
        deadline: now() + chrono::Duration::hours(5),
        authors: vec![member("Amina"), member("David")],
    });
    deliver_at(&app, &id, formed, now()).await;
    wait(100 * MINUTE).await;
    let alert = show(&app, &id).await;
    assert_eq!(stage_state(&alert, "mobilisation"), "done");
    assert_eq!(stage_state(&alert, "drafting"), "running");
    assert!(emitted(&app, "alert.stage_overdue").is_empty());

    // Drafting's 2 hours run out 20 minutes later.
    wait(21 * MINUTE).await;
    let alert = show(&app, &id).await;
    assert_eq!(stage_state(&alert, "mobilisation"), "done");
    assert_eq!(stage_state(&alert, "drafting"), "overdue");
    assert_eq!(emitted(&app, "alert.stage_overdue").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_alert_is_never_overdue() {
    let (_dir, app) = app().await;
    let id = raised(&app, "Desecration of a cemetery").await;
    let _stop = started(clock(&app, paused_now()));
    let reason = json!({ "reason": "raised by mistake" }).to_string();
    let path = format!("/api/v1/alerts/{id}/cancel");
    assert_eq!(
        call(&app, "POST", &path, Some(TOKEN), Some(&reason))
            .await
            .0,
        200
    );

    wait(7 * 60 * MINUTE).await;

    let alert = show(&app, &id).await;
    assert_eq!(alert["overdue"], false);
    assert_eq!(stage_state(&alert, "mobilisation"), "cancelled");
    assert!(emitted(&app, "alert.stage_overdue").is_empty());
    assert!(mails(&app).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_timer_outlives_a_restart_and_fires_when_intake_is_back() {
    let (dir, app) = app().await;
    let id = raised(&app, "Mosque set on fire").await;
    let now = paused_now();
    let stop = started(clock(&app, now.clone()));
    wait(10 * MINUTE).await;
    stop.cancel();
    wait(StdDuration::from_millis(1)).await;
    drop(app);

    // Down for an hour: the stage came due meanwhile.
    wait(60 * MINUTE).await;
    let app = open(dir.path()).await;
    let _stop = started(clock(&app, now));
    wait(StdDuration::from_millis(10)).await;

    let alert = show(&app, &id).await;
    assert_eq!(stage_state(&alert, "mobilisation"), "overdue");
    assert_eq!(emitted(&app, "alert.stage_overdue").len(), 1);
    assert_eq!(mails(&app).await.len(), 1);
}
