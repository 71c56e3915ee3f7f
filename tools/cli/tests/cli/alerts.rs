use crate::helpers::{ALERT_ID, Options, SECOND_ID, StandIn, THIRD_ID, alert_with_timeline};
use serde_json::{Value, json};

#[test]
fn raising_an_alert_sends_every_field_and_prints_the_new_alert() {
    let intake = StandIn::start();

    let run = intake.rrm(&[
        "alert",
        "raise",
        "--title",
        "Riots in Leicester",
        "--summary",
        "Clashes overnight",
        "--region",
        "europe",
        "--region",
        "uk",
        "--topic",
        "religion",
        "--severity",
        "critical",
        "--language",
        "ar,en",
        "--deadline",
        "2099-01-02T03:04:05+01:00",
        "--dedup-key",
        "leicester-1",
    ]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(&format!("raised: {SECOND_ID}\n")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("  status     open\n"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("  deadline   Fri 2 Jan 2099, 02:04 UTC (in "),
        "{}",
        run.stdout
    );
    let seen = intake.seen();
    assert_eq!(
        seen[0].body,
        json!({
            "title": "Riots in Leicester", "summary": "Clashes overnight",
            "regions": ["europe", "uk"], "topics": ["religion"], "severity": "critical",
            "languages": ["ar", "en"], "deadline": "2099-01-02T02:04:05Z", "dedup_key": "leicester-1"
        })
    );
}

#[test]
fn raising_leaves_languages_and_deadline_to_intake_when_not_given() {
    let intake = StandIn::start();

    let run = intake.rrm(&["alert", "raise", "--title", "T", "--summary", "S"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let body = &intake.seen()[0].body;
    assert_eq!(body["severity"], "medium");
    assert!(
        body.get("languages").is_none() && body.get("deadline").is_none(),
        "{body}"
    );
}

#[test]
fn raising_the_same_event_again_says_it_was_already_raised() {
    let intake = StandIn::start();

    let run = intake.rrm(&[
        "alert",
        "raise",
        "--title",
        "Quran burning",
        "--summary",
        "s",
        "--dedup-key",
        "same-event",
    ]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with(&format!("already raised: {ALERT_ID}\n")),
        "{}",
        run.stdout
    );
}

#[test]
fn listing_shows_a_readable_table_and_points_to_the_next_page() {
    let intake = StandIn::start();

    let run = intake.rrm(&["alert", "list", "--limit", "2"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("DEADLINE"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(ALERT_ID) && lines[1].contains("open") && lines[1].contains("high")
    );
    assert!(lines[1].contains("Quran burning in Stockholm"));
    assert!(lines[1].contains(" UTC (in 6 h)"), "{}", lines[1]);
    assert!(lines[2].starts_with(SECOND_ID) && lines[2].contains("cancelled"));
    assert!(run.stderr.contains("--cursor page-2"), "{}", run.stderr);
    assert_eq!(
        intake.seen()[0].query.get("limit").map(String::as_str),
        Some("2")
    );
}

#[test]
fn listing_with_all_follows_the_cursor_to_the_last_page() {
    let intake = StandIn::start();

    let run = intake.rrm(&["alert", "list", "--limit", "2", "--all"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    for id in [ALERT_ID, SECOND_ID, THIRD_ID] {
        assert!(run.stdout.contains(id), "{id} missing from {}", run.stdout);
    }
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let seen = intake.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].query.get("cursor"), None);
    assert_eq!(
        seen[1].query.get("cursor").map(String::as_str),
        Some("page-2")
    );
    assert_eq!(seen[1].query.get("limit").map(String::as_str), Some("2"));
}

#[test]
fn listing_all_as_json_gathers_every_page_into_one_answer() {
    let intake = StandIn::start();

    let run = intake.rrm(&["alert", "list", "--all", "--json"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let answer: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(answer["alerts"].as_array().unwrap().len(), 3);
    assert_eq!(answer["next_cursor"], Value::Null);
}

#[test]
fn listing_against_todays_intake_reads_its_one_page_and_shows_alerts_open() {
    let intake = StandIn::with(Options {
        todays_intake: true,
        ..Options::default()
    });

    let run = intake.rrm(&["alert", "list", "--all"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(
        lines[1..].iter().all(|l| l.contains("  open  ")),
        "{}",
        run.stdout
    );
    assert_eq!(intake.seen().len(), 1);
}

#[test]
fn a_reader_that_stops_early_is_no_error() {
    let intake = StandIn::start();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rrm"))
        .args(["alert", "list", "--all"])
        .env("RRM_URL", &intake.url)
        .env("RRM_TOKEN", crate::helpers::TOKEN)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    drop(child.stdout.take()); // like `| head -0`: gone before rrm writes
    let output = child.wait_with_output().unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn filters_are_sent_to_intake_as_query_parameters() {
    let intake = StandIn::start();

    let run = intake.rrm(&[
        "alert",
        "list",
        "--status",
        "cancelled",
        "--since",
        "2026-11-23T10:00:00+01:00",
        "--overdue",
    ]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let query = &intake.seen()[0].query;
    assert_eq!(query.get("status").map(String::as_str), Some("cancelled"));
    assert_eq!(query.get("overdue").map(String::as_str), Some("true"));
    assert_eq!(
        query.get("since").map(String::as_str),
        Some("2026-11-23T09:00:00Z")
    );
}

#[test]
fn showing_an_alert_prints_its_timeline_one_line_per_event_and_its_stage() {
    let intake = StandIn::start();

    let run = intake.rrm(&["alert", "show", ALERT_ID]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    assert!(out.starts_with(&format!("alert {ALERT_ID}\n")), "{out}");
    assert!(out.contains("  stage      drafting (overdue)\n"), "{out}");
    assert!(
        out.contains(
            "  mobilisation  done     Mon 23 Nov 13:16:00 UTC  finished Mon 23 Nov 13:40:00 UTC"
        ),
        "{out}"
    );
    assert!(
        out.contains("  drafting      OVERDUE  Mon 23 Nov 13:40:00 UTC  due Mon 23 Nov"),
        "{out}"
    );
    assert!(out.contains("3 versions — Jonas Berg\n"), "{out}");
    assert!(out.contains("  signatures    waiting  —"), "{out}");
    assert!(
        out.contains("  Clashes after a burning.\n  Calls for calm.\n"),
        "{out}"
    );
    assert!(
        out.contains("  TIME                     EVENT            PRODUCER  SUMMARY\n"),
        "{out}"
    );
    assert!(out.contains("  Mon 23 Nov 13:16:00 UTC  alert.raised     intake    alert raised by desk: Quran burning in Stockholm\n"), "{out}");
    assert!(out.contains("  Mon 23 Nov 13:40:00 UTC  panel.formed     roster    panel formed: Amina Diallo, Jonas Berg\n"), "{out}");
}

#[test]
fn json_prints_the_answer_as_intake_sent_it() {
    let intake = StandIn::start();

    let run = intake.rrm(&["alert", "show", ALERT_ID, "--json"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let printed: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut expected = alert_with_timeline();
    // Times are made per answer; everything else is the answer verbatim.
    for key in ["deadline", "raised_at"] {
        expected[key] = printed[key].clone();
    }
    assert_eq!(printed, expected);
    assert!(
        run.stdout.contains("\n  \"alert_id\""),
        "not pretty-printed: {}",
        run.stdout
    );
}

#[test]
fn cancelling_an_alert_prints_it_cancelled() {
    let intake = StandIn::start();

    let run = intake.rrm(&["alert", "cancel", ALERT_ID, "--reason", "raised by mistake"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(&format!("cancelled: {ALERT_ID}\n")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  status     cancelled\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        intake.seen()[0].body,
        json!({"reason": "raised by mistake"})
    );
}

#[test]
fn cancelling_an_alert_twice_is_refused_readably_with_exit_code_one() {
    let intake = StandIn::start();
    intake.rrm(&["alert", "cancel", ALERT_ID, "--reason", "mistake"]);

    let run = intake.rrm(&["alert", "cancel", ALERT_ID, "--reason", "mistake"]);

    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: Already cancelled (409)\n  this alert was cancelled before\n"
    );
}

#[test]
fn an_unknown_alert_is_reported_as_not_found() {
    let intake = StandIn::start();

    let run = intake.rrm(&["alert", "show", THIRD_ID]);

    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "error: Not found (404)\n  no such alert\n");
}

#[test]
fn a_422_problem_lists_each_field_error() {
    let intake = StandIn::start();

    let run = intake.rrm(&[
        "alert",
        "raise",
        "--title",
        "T",
        "--summary",
        "S",
        "--language",
        "english",
        "--region",
        "bad tag!",
    ]);

    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: Invalid fields (422)\n  - languages: \"english\" is not a language code\n  - regions: \"bad tag!\" is not a tag (letters, digits, '-' and '_', at most 64)\n"
    );
}
