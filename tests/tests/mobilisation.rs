//! Mobilisation that never waits on silence, driven through real e-mails and pages: one invited
//! member declines, one never answers, and the panel still forms from alternates, its authors
//! sharing no line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rrm_e2e::{BOOTSTRAP_TOKEN, Stack, exclusive, flow, link};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const STEP: Duration = Duration::from_secs(60);

/// The invitation mails captured so far, first copy of each, as (address, subject, mail).
fn invitations(stack: &Stack) -> Vec<rrm_devtools::maildump::CapturedMail> {
    let mut seen = BTreeSet::new();
    stack
        .mails()
        .into_iter()
        .filter(|m| m.subject.starts_with("Mobilisation"))
        .filter(|m| seen.insert(m.envelope_to.clone()))
        .collect()
}

/// Follows `address`'s invitation link and presses `button`.
async fn answer(stack: &Stack, address: &str, button: &str) {
    let mail = invitations(stack)
        .into_iter()
        .find(|m| m.envelope_to.iter().any(|t| t == address))
        .unwrap();
    let link = link(&mail, &format!("{}/invitations/", stack.url("roster"))).unwrap();
    let page = stack
        .follow(&link, Some(button), &[("note", "")])
        .await
        .unwrap();
    assert_eq!(page.status, 200, "{}", page.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decline_and_a_silence_are_replaced_and_the_panel_still_forms_across_lines() {
    let _one_at_a_time = exclusive().await;
    let mut stack = Stack::start_only(&[]).await.unwrap();
    // Two invited at first; eight seconds to answer (a reminder at four).
    for (key, value) in [
        ("RRM_ROSTER__INVITE", "2"),
        ("RRM_ROSTER__MOBILISATION_BUDGET", "8s"),
        ("RRM_ROSTER__CLOCK_TICK", "200ms"),
    ] {
        stack.set_env("roster", key, value);
    }
    for service in rrm_e2e::SERVICES {
        stack.start_service(service).unwrap();
    }
    for service in rrm_e2e::SERVICES {
        stack.wait_ready(service).await.unwrap();
    }
    let alert_id = flow::raise(&stack).await.unwrap();
    let first = stack
        .wait_mails("the first invitations", STEP, |_| {
            invitations(&stack).len() >= 2
        })
        .await
        .map(|_| invitations(&stack))
        .unwrap();
    assert_eq!(first.len(), 2, "two invited at first");
    let (decliner, silent) = (
        first[0].envelope_to[0].clone(),
        first[1].envelope_to[0].clone(),
    );

    // One says no at once: an alternate is invited at once, and accepts at once.
    answer(&stack, &decliner, "decline").await;
    stack
        .wait_mails(
            "the alternate for the decline",
            Duration::from_secs(5),
            |_| invitations(&stack).len() >= 3,
        )
        .await
        .unwrap();
    let mut alternates = vec![invitations(&stack)[2].envelope_to[0].clone()];
    answer(&stack, &alternates[0], "accept").await;
    // The other says nothing: reminded at half the budget, replaced at the budget.
    stack
        .wait_mails("the reminder", Duration::from_secs(20), |m| {
            m.iter().any(|m| {
                m.subject.starts_with("Reminder: Mobilisation") && m.envelope_to.contains(&silent)
            })
        })
        .await
        .unwrap();
    stack
        .wait_mails(
            "the alternate for the silence",
            Duration::from_secs(20),
            |_| invitations(&stack).len() >= 4,
        )
        .await
        .unwrap();
    // The second alternate accepts through their e-mailed link: the panel forms from the two
    // alternates alone.
    alternates.push(invitations(&stack)[3].envelope_to[0].clone());
    answer(&stack, &alternates[1], "accept").await;
    let drafts = stack
        .wait_mails("the draft links", STEP, |m| {
            m.iter()
                .filter(|m| m.subject.starts_with("Write the op-ed:"))
                .count()
                >= 2
        })
        .await
        .unwrap();
    let authors: BTreeSet<String> = drafts
        .iter()
        .filter(|m| m.subject.starts_with("Write the op-ed:"))
        .flat_map(|m| m.envelope_to.clone())
        .collect();
    assert_eq!(
        authors,
        alternates.iter().cloned().collect(),
        "the alternates are the authors"
    );

    // The panel as coordinators read it: who declined, who went silent, who replaced them, and
    // authors who share no line.
    let http = reqwest::Client::new();
    let panel: serde_json::Value = http
        .get(format!("{}/api/v1/panels/{alert_id}", stack.url("roster")))
        .bearer_auth(BOOTSTRAP_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let invitations = panel["invitations"].as_array().unwrap();
    let states: Vec<&str> = invitations
        .iter()
        .map(|i| i["state"].as_str().unwrap())
        .collect();
    // The first two in either order (their mails went out together), then the alternates.
    let mut first_two = states[..2].to_vec();
    first_two.sort_unstable();
    assert_eq!(first_two, ["declined", "expired"], "{panel}");
    assert_eq!(states[2..], ["accepted", "accepted"], "{panel}");
    assert!(panel["formed"].as_bool().unwrap());
    let lines: Vec<BTreeSet<&str>> = invitations[2..]
        .iter()
        .map(|i| {
            i["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap())
                .collect()
        })
        .collect();
    assert!(
        lines[0].is_disjoint(&lines[1]),
        "the authors share a line: {lines:?}"
    );
    for alternate in &invitations[2..] {
        assert!(alternate["alternate"].as_bool().unwrap(), "{alternate}");
        let why = alternate["reasons"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .as_str()
            .unwrap();
        assert!(why.starts_with("alternate for "), "{why}");
    }

    // The alert's timeline says it all, in words.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let alert = stack.alert(&alert_id).await.unwrap();
        let lines: Vec<String> = alert["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["summary"].as_str().unwrap().to_owned())
            .collect();
        let said = |what: &str| lines.iter().any(|l| l.contains(what));
        if said("declined")
            && said("reminded")
            && said("who did not answer within 8s")
            && said("panel formed")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the timeline misses a step: {lines:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
