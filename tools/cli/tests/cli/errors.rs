use crate::helpers::{Options, StandIn, TOKEN, run_rrm};

#[test]
fn without_a_token_rrm_says_how_to_give_one_and_exits_with_two() {
    let intake = StandIn::start();

    let run = run_rrm(&["alert", "list"], &[("RRM_URL", &intake.url)]);

    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no coordinator token: set RRM_TOKEN"),
        "{}",
        run.stderr
    );
    assert!(intake.seen().is_empty());
}

#[test]
fn a_token_file_is_read_without_its_trailing_newline() {
    let intake = StandIn::start();
    let dir = std::env::temp_dir().join(format!("rrm-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();

    let run = run_rrm(
        &["token", "list", "--token-file", file.to_str().unwrap()],
        &[("RRM_URL", &intake.url)],
    );

    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_wrong_token_is_refused_with_a_hint_and_never_echoed() {
    let intake = StandIn::start();
    let wrong = "wrong-token-that-must-not-be-printed";

    let run = run_rrm(
        &["alert", "list", "--token", wrong],
        &[("RRM_URL", &intake.url)],
    );

    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("error: Authentication required (401)\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: intake does not accept this token"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(wrong) && !run.stdout.contains(wrong));
}

#[test]
fn an_unreachable_intake_is_reported_plainly_with_exit_code_three() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");

    let run = run_rrm(
        &["alert", "list"],
        &[("RRM_URL", &url), ("RRM_TOKEN", TOKEN)],
    );

    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .starts_with(&format!("error: cannot connect to {url}: ")),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn a_server_error_exits_with_three_and_says_what_intake_said() {
    let intake = StandIn::with(Options {
        tokens_answer: Some((
            500,
            "application/problem+json",
            r#"{"type":"about:blank","title":"Internal error","status":500,"detail":"the request could not be completed; nothing was changed"}"#.into(),
            None,
        )),
        ..Options::default()
    });

    let run = intake.rrm(&["token", "list"]);

    assert_eq!(run.code, 3);
    assert_eq!(
        run.stderr,
        "error: Internal error (500)\n  the request could not be completed; nothing was changed\n"
    );
}

#[test]
fn an_error_page_that_is_not_a_problem_is_still_readable() {
    let intake = StandIn::with(Options {
        tokens_answer: Some((502, "text/html", "<html>Bad gateway</html>".into(), None)),
        ..Options::default()
    });

    let run = intake.rrm(&["token", "list"]);

    assert_eq!(run.code, 3);
    assert_eq!(
        run.stderr,
        "error: Bad Gateway (502)\n  <html>Bad gateway</html>\n"
    );
}

#[test]
fn a_redirect_is_not_followed() {
    let intake = StandIn::with(Options {
        tokens_answer: Some((
            307,
            "text/plain",
            String::new(),
            Some("http://elsewhere.invalid/"),
        )),
        ..Options::default()
    });

    let run = intake.rrm(&["token", "list"]);

    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("which rrm does not follow"),
        "{}",
        run.stderr
    );
    assert_eq!(intake.seen().len(), 1);
}

#[test]
fn a_malformed_alert_id_is_a_usage_error() {
    let intake = StandIn::start();

    let run = intake.rrm(&["alert", "show", "not-a-uuid"]);

    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not-a-uuid"), "{}", run.stderr);
    assert!(intake.seen().is_empty());
}

#[test]
fn an_unknown_severity_is_a_usage_error_naming_the_real_ones() {
    let intake = StandIn::start();

    let run = intake.rrm(&[
        "alert",
        "raise",
        "--title",
        "T",
        "--summary",
        "S",
        "--severity",
        "urgent",
    ]);

    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("low, medium, high, critical"),
        "{}",
        run.stderr
    );
}

#[test]
fn help_shows_no_token_even_when_one_is_set() {
    let run = run_rrm(&["--help"], &[("RRM_TOKEN", TOKEN)]);

    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("RRM_TOKEN"));
    assert!(!run.stdout.contains(TOKEN));
}

#[test]
fn an_intake_that_does_not_answer_in_time_is_given_up_on_with_exit_code_three() {
    let intake = StandIn::with(Options {
        tokens_delay: Some(std::time::Duration::from_secs(10)),
        ..Options::default()
    });
    let started = std::time::Instant::now();

    let run = intake.rrm(&["token", "list", "--timeout", "1"]);

    assert_eq!(run.code, 3);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(
        run.stderr,
        format!(
            "error: no answer from {} within 1 s (--timeout)\n",
            intake.url
        )
    );
}

#[test]
fn a_missing_token_file_is_a_usage_error_naming_the_file() {
    let intake = StandIn::start();

    let run = run_rrm(
        &["alert", "list", "--token-file", "/nonexistent/rrm-token"],
        &[("RRM_URL", &intake.url), ("RRM_TOKEN", TOKEN)],
    );

    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: cannot read the token file /nonexistent/rrm-token: "),
        "{}",
        run.stderr
    );
    assert!(intake.seen().is_empty());
}

#[test]
fn an_empty_token_is_refused_before_anything_is_sent() {
    let intake = StandIn::start();

    let run = run_rrm(
        &["alert", "list"],
        &[("RRM_URL", &intake.url), ("RRM_TOKEN", "  ")],
    );

    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("the coordinator token in RRM_TOKEN is empty"),
        "{}",
        run.stderr
    );
    assert!(intake.seen().is_empty());
}
