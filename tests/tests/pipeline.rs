//! The whole mechanism, end to end, with the real binaries, broker and SMTP server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rrm_e2e::{Stack, exclusive, flow};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_reaches_every_editor_once_in_their_language() {
    let _one_at_a_time = exclusive().await;
    let mut stack = Stack::start().await.unwrap();
    let started = Instant::now();
    let alert_id = flow::raise(&stack).await.unwrap();

    // A repeat of the same event returns the same alert, not a second mobilisation.
    let again = flow::raise(&stack).await.unwrap();
    assert_eq!(again, alert_id);

    flow::accept_invitations(&stack, 4).await.unwrap();
    let authors = flow::write_and_submit(&stack).await.unwrap();
    let names = flow::author_names(&authors).unwrap();
    assert!(names.len() >= 2, "a panel needs two authors, got {names:?}");
    flow::sign_all(&stack, &authors).await.unwrap();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    // Nothing crashed: not one e-mail may have gone out twice.
    let oped = flow::assert_distributed(&stack, &refs, 0).await.unwrap();

    let last = oped.iter().filter_map(|m| m.captured_at).max().unwrap();
    let first_alert = chrono::Utc::now() - chrono::Duration::from_std(started.elapsed()).unwrap();
    eprintln!(
        "alert → last editor e-mail: {:.2} s wall time ({} editor e-mails, people scripted to act at once)",
        (last - first_alert).num_milliseconds() as f64 / 1000.0,
        oped.len()
    );

    // The timeline shows every stage, one request away.
    let alert = stack.alert(&alert_id).await.unwrap();
    let types: Vec<&str> = alert["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for t in [
        "alert.raised",
        "panel.mobilized",
        "panel.formed",
        "draft.version_created",
        "oped.approved",
    ] {
        assert!(types.contains(&t), "timeline lacks {t}: {types:?}");
    }
    let distributed = types
        .iter()
        .filter(|t| **t == "distribution.completed")
        .count();
    // The last mail's event may still be on its way to intake.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut distributed_now = distributed;
    while distributed_now < 6 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let alert = stack.alert(&alert_id).await.unwrap();
        distributed_now = alert["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "distribution.completed")
            .count();
    }
    assert_eq!(
        distributed_now, 6,
        "one distribution.completed per language"
    );

    // Every stage is done, none late, and the alert counts as completed.
    let alert = stack.alert(&alert_id).await.unwrap();
    let stages: Vec<(&str, &str)> = alert["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["stage"].as_str().unwrap(), s["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        stages,
        [
            ("mobilisation", "done"),
            ("drafting", "done"),
            ("signatures", "done"),
            ("translation", "done"),
            ("distribution", "done"),
        ],
        "{alert}"
    );
    assert_eq!(alert["completed"], true);
    assert_eq!(alert["overdue"], false);
    assert_eq!(
        alert["stages"][2]["progress"],
        format!("{0} of {0} signatures", names.len())
    );
    let editors: usize = flow::expected_deliveries().unwrap().values().sum();
    assert_eq!(
        alert["stages"][4]["progress"],
        format!("6 of 6 languages to {editors} editors"),
        "{alert}"
    );

    // Stopped as systemd or Kubernetes would: each service exits cleanly and promptly.
    for service in rrm_e2e::SERVICES {
        assert!(
            stack
                .terminate_service(service, Duration::from_secs(15))
                .unwrap(),
            "{service} did not stop cleanly on SIGTERM:\n{}",
            rrm_e2e::tail(&stack.log_of(service), 10)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_killed_mid_flow_lose_nothing_and_duplicate_nothing() {
    let _one_at_a_time = exclusive().await;
    let mut stack = Stack::start().await.unwrap();

    // Roster dies right after the alert is published: the event waits in its queue.
    stack.kill_service("roster");
    flow::raise(&stack).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stack.start_service("roster").unwrap();
    stack.wait_ready("roster").await.unwrap();
    flow::accept_invitations(&stack, 4).await.unwrap();

    let authors = flow::write_and_submit(&stack).await.unwrap();
    // Drafting dies and comes back between the submission and the signatures.
    stack.kill_service("drafting");
    stack.start_service("drafting").unwrap();
    stack.wait_ready("drafting").await.unwrap();
    flow::sign_all(&stack, &authors).await.unwrap();

    // Distribution dies while the first languages are being mailed, translation right after.
    stack
        .wait_mails("the first op-ed mail", Duration::from_secs(60), |m| {
            m.iter().any(|m| m.subject.starts_with("Op-ed:"))
        })
        .await
        .unwrap();
    stack.kill_service("distribution");
    stack.kill_service("translation");
    tokio::time::sleep(Duration::from_millis(500)).await;
    stack.start_service("translation").unwrap();
    stack.start_service("distribution").unwrap();
    stack.wait_ready("distribution").await.unwrap();

    let names = flow::author_names(&authors).unwrap();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    // Exactly one e-mail per editor and language. A mail whose SMTP transaction a SIGKILL cut
    // between the server's acceptance and the service's record of it is resent with the same
    // Message-ID (RFC 1047: the one duplicate SMTP cannot rule out): at most what drafting and
    // distribution had in flight, each such mail once.
    let in_flight = rrm_platform::mail::CONCURRENCY;
    flow::assert_distributed(&stack, &refs, 2 * in_flight)
        .await
        .unwrap();
    // And only from the services killed while mailing, each no more than it had in flight.
    let mails = stack.mails();
    let (signing, oped) = (
        flow::resends_of(&mails, "Please sign the op-ed:"),
        flow::resends_of(&mails, "Op-ed:"),
    );
    assert!(
        signing <= in_flight && oped <= in_flight,
        "{signing} signing links and {oped} op-eds resent"
    );
    assert_eq!(
        flow::resends(&mails),
        signing + oped,
        "only drafting and distribution were killed while mailing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_survives_a_broker_restart() {
    let _one_at_a_time = exclusive().await;
    let stack = Stack::start().await.unwrap();
    flow::raise(&stack).await.unwrap();
    flow::accept_invitations(&stack, 4).await.unwrap();
    let authors = flow::write_and_submit(&stack).await.unwrap();

    // The broker goes away in the middle of the run.
    rrm_e2e::rabbitmqctl(&["stop_app"]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while stack.readyz("drafting").await != 503 {
        assert!(
            Instant::now() < deadline,
            "drafting still says ready without a broker"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // People keep working meanwhile: their signatures are accepted into the outbox.
    let signing = flow::sign_all(&stack, &authors);
    let restart = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        rrm_e2e::rabbitmqctl(&["start_app"]).unwrap();
        rrm_e2e::rabbitmqctl(&["await_startup"]).unwrap();
    };
    let (signed, ()) = tokio::join!(signing, restart);
    signed.unwrap();
    for s in rrm_e2e::SERVICES {
        stack.wait_ready(s).await.unwrap();
    }
    let names = flow::author_names(&authors).unwrap();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    // The services never went down: not one e-mail may have gone out twice.
    flow::assert_distributed(&stack, &refs, 0).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_outage_delays_the_op_eds_and_loses_or_duplicates_none() {
    let _one_at_a_time = exclusive().await;
    let mut stack = Stack::start().await.unwrap();
    flow::raise(&stack).await.unwrap();
    flow::accept_invitations(&stack, 4).await.unwrap();
    let authors = flow::write_and_submit(&stack).await.unwrap();
    flow::signing_links(&stack, &authors).await.unwrap();

    // The SMTP server goes away just before the op-ed is approved.
    stack.stop_smtp_sink();
    flow::sign_all(&stack, &authors).await.unwrap();
    stack
        .wait_metric(
            "distribution",
            "rrm_mail_retried_total",
            "distribution never tried to mail the op-ed",
            |retried| retried >= 1.0,
        )
        .await
        .unwrap();
    assert_eq!(
        stack
            .metric("distribution", "rrm_mail_sent_total")
            .await
            .unwrap(),
        0.0,
        "distribution counts an op-ed as sent without an SMTP server"
    );

    // The server comes back: the queued op-eds go out, each once.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stack.start_smtp_sink().unwrap();
    let names = flow::author_names(&authors).unwrap();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    flow::assert_distributed(&stack, &refs, 0).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_raised_before_the_other_services_ever_started_still_mobilises() {
    let _one_at_a_time = exclusive().await;
    // A fresh installation where only intake has started so far.
    let mut stack = Stack::start_only(&["intake"]).await.unwrap();
    flow::raise(&stack).await.unwrap();
    stack
        .wait_metric(
            "intake",
            "rrm_outbox_pending",
            "intake never published the alert",
            |pending| pending == 0.0,
        )
        .await
        .unwrap();

    // The alert is on the bus; the other services start for the first time after it.
    for service in ["roster", "drafting", "translation", "distribution"] {
        stack.start_service(service).unwrap();
    }
    for service in rrm_e2e::SERVICES {
        stack.wait_ready(service).await.unwrap();
    }
    flow::accept_invitations(&stack, 4).await.unwrap();
    let authors = flow::write_and_submit(&stack).await.unwrap();
    flow::sign_all(&stack, &authors).await.unwrap();
    let names = flow::author_names(&authors).unwrap();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    flow::assert_distributed(&stack, &refs, 0).await.unwrap();
}
