//! The pipeline's clock with the real binaries: a stage that runs past its budget while intake
//! is down is marked overdue when intake is back — once, on the timeline, by e-mail and on the
//! bus.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rrm_e2e::{Stack, exclusive};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const DESK: &str = "desk@coordinators.test";

fn overdue_lines(alert: &Value) -> Vec<String> {
    alert["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "alert.stage_overdue")
        .map(|e| e["summary"].as_str().unwrap().to_owned())
        .collect()
}

fn state(alert: &Value, stage: &str) -> String {
    alert["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == stage)
        .map(|s| s["state"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stage_that_runs_late_while_intake_is_down_is_overdue_once_it_is_back() {
    let _one_at_a_time = exclusive().await;
    let mut stack = Stack::start_only(&["roster", "drafting", "translation", "distribution"])
        .await
        .unwrap();
    stack.set_env("intake", "RRM_INTAKE__BUDGETS__MOBILISATION", "4s");
    stack.set_env("intake", "RRM_INTAKE__OVERDUE_MAIL_TO", DESK);
    stack.set_env("intake", "RRM_INTAKE__CLOCK_TICK", "500ms");
    stack.start_service("intake").unwrap();
    stack.wait_ready("intake").await.unwrap();

    let alert = stack
        .raise_alert(json!({
            "title": "Cemetery desecrated overnight",
            "summary": "Graves were daubed with slogans.",
            "severity": "high",
            "regions": ["europe"],
            "topics": ["religion"],
        }))
        .await
        .unwrap();
    let id = alert["alert_id"].as_str().unwrap().to_owned();
    assert_eq!(state(&alert, "mobilisation"), "running", "{alert}");
    // Nobody answers the invitations; intake is down when mobilisation's 4 s run out.
    stack.kill_service("intake");
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(
        !stack
            .mails()
            .iter()
            .any(|m| m.envelope_to.contains(&DESK.to_owned())),
        "nobody could have sent the overdue mail yet"
    );

    stack.start_service("intake").unwrap();
    stack.wait_ready("intake").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let alert = loop {
        let alert = stack.alert(&id).await.unwrap();
        // Two lines would mean announced twice; one is written at once, the broker's copy
        // lands on the same line.
        if state(&alert, "mobilisation") == "overdue" && overdue_lines(&alert).len() == 1 {
            break alert;
        }
        assert!(
            Instant::now() < deadline,
            "mobilisation never became overdue: {alert}\n{}",
            stack.diagnostics()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(alert["overdue"], true);
    assert!(
        overdue_lines(&alert)[0].starts_with("mobilisation is overdue"),
        "{alert}"
    );

    let mails = stack
        .wait_mails("the overdue e-mail", Duration::from_secs(30), |mails| {
            mails
                .iter()
                .any(|m| m.envelope_to.contains(&DESK.to_owned()))
        })
        .await
        .unwrap();
    let overdue: Vec<_> = mails
        .iter()
        .filter(|m| m.envelope_to.contains(&DESK.to_owned()))
        .collect();
    assert_eq!(overdue.len(), 1);
    assert_eq!(
        overdue[0].subject,
        "Overdue: mobilisation of “Cemetery desecrated overnight”"
    );

    // The event went through the broker and came back to intake's timeline: still one line,
    // and no second announcement later.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let alert = stack.alert(&id).await.unwrap();
    assert_eq!(overdue_lines(&alert).len(), 1, "{alert}");
    let consumed = stack
        .metric(
            "intake",
            "rrm_events_handled_total{type=\"alert.stage_overdue\"}",
        )
        .await
        .unwrap_or_default();
    assert_eq!(
        consumed, 1.0,
        "intake consumed its alert.stage_overdue once"
    );
    assert_eq!(
        stack
            .mails()
            .iter()
            .filter(|m| m.envelope_to.contains(&DESK.to_owned()))
            .count(),
        1
    );
}
