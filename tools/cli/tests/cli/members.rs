use crate::helpers::run_rrm;
use crate::roster::{
    AMINA, AMINA_EMAIL, CSV_HEADER, JONAS, LI, NEW_MEMBER, StandInRoster, export_csv,
};
use serde_json::{Value, json};
use std::path::PathBuf;

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rrm-cli-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn listing_members_shows_a_table_and_points_to_the_next_page() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["members", "list", "--line", "faith", "--limit", "2"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert_eq!(
        lines[0],
        "NAME          EMAIL              LINES             WRITES  STATUS                     ID"
    );
    assert_eq!(
        lines[1],
        format!(
            "Amina Diallo  {AMINA_EMAIL}  faith             fr,en   active                     {AMINA}"
        )
    );
    assert!(
        lines[2].starts_with(
            "Jonas Berg    jonas@example.org  secular,academia  sv,en   on leave until 2099-12-01"
        ),
        "{}",
        lines[2]
    );
    assert!(run.stderr.contains("--cursor page-2"), "{}", run.stderr);
    let seen = roster.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].query.get("line").map(String::as_str), Some("faith"));
    assert_eq!(seen[0].query.get("limit").map(String::as_str), Some("2"));
    assert_eq!(seen[0].query.get("status"), None);
}

#[test]
fn listing_members_with_all_follows_the_cursor_and_sends_every_filter() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&[
        "members",
        "list",
        "--all",
        "--search",
        "diallo",
        "--language",
        "fr",
        "--topic",
        "religion",
        "--region",
        "africa",
        "--status",
        "all",
    ]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    for id in [AMINA, JONAS, LI] {
        assert!(run.stdout.contains(id), "{id} missing from {}", run.stdout);
    }
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let seen = roster.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].query.get("cursor"), None);
    assert_eq!(
        seen[1].query.get("cursor").map(String::as_str),
        Some("page-2")
    );
    for (key, value) in [
        ("q", "diallo"),
        ("language", "fr"),
        ("topic", "religion"),
        ("region", "africa"),
        ("status", "all"),
    ] {
        assert_eq!(
            seen[1].query.get(key).map(String::as_str),
            Some(value),
            "{key}"
        );
    }
}

#[test]
fn listing_all_members_as_json_gathers_every_page() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["members", "list", "--all", "--json"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let answer: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(answer["members"].as_array().unwrap().len(), 3);
    assert_eq!(answer["next_cursor"], Value::Null);
}

#[test]
fn adding_a_member_sends_the_given_fields_and_prints_the_member() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&[
        "members",
        "add",
        "--name",
        "Sara Cohen",
        "--email",
        "sara@example.org",
        "--line",
        "faith",
        "--line",
        "civil-society",
        "--writes",
        "he,en",
        "--topic",
        "religion",
        "--time-zone",
        "Asia/Jerusalem",
        "--on-leave-until",
        "2099-01-31",
    ]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(&format!("added: {NEW_MEMBER}\n")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  lines       faith, civil-society\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  status      on leave until 2099-01-31\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        roster.seen()[0].body,
        json!({
            "name": "Sara Cohen", "email": "sara@example.org", "lines": ["faith", "civil-society"],
            "languages_written": ["he", "en"], "topics": ["religion"],
            "time_zone": "Asia/Jerusalem", "on_leave_until": "2099-01-31"
        })
    );
}

#[test]
fn adding_an_email_already_on_the_roster_is_refused_with_the_problems_detail() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&[
        "members",
        "add",
        "--name",
        "Amina D.",
        "--email",
        AMINA_EMAIL,
        "--line",
        "faith",
    ]);

    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "error: Already on the roster (409)\n  {AMINA_EMAIL} is already on the roster as member {AMINA}\n"
        )
    );
}

#[test]
fn adding_a_member_needs_a_line() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["members", "add", "--name", "N", "--email", "n@example.org"]);

    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--line"), "{}", run.stderr);
    assert!(roster.seen().is_empty());
}

#[test]
fn editing_deactivating_and_activating_send_only_the_changes() {
    let roster = StandInRoster::start();

    let edit = roster.rrm(&[
        "members",
        "edit",
        AMINA,
        "--title",
        "",
        "--region",
        "africa,europe",
        "--clear-leave",
    ]);
    let off = roster.rrm(&["members", "deactivate", JONAS]);
    let on = roster.rrm(&["members", "activate", JONAS, "--json"]);

    assert_eq!(edit.code, 0, "{}", edit.stderr);
    assert!(
        edit.stdout.starts_with(&format!("updated: {AMINA}\n")),
        "{}",
        edit.stdout
    );
    assert!(edit.stdout.contains("  title       —\n"), "{}", edit.stdout);
    assert_eq!(off.code, 0, "{}", off.stderr);
    assert!(
        off.stdout.starts_with(&format!("deactivated: {JONAS}\n")),
        "{}",
        off.stdout
    );
    assert!(
        off.stdout.contains("  status      inactive\n"),
        "{}",
        off.stdout
    );
    assert_eq!(on.code, 0, "{}", on.stderr);
    let printed: Value = serde_json::from_str(&on.stdout).unwrap();
    assert_eq!(printed["active"], true);
    let seen = roster.seen();
    let sent: Vec<(&str, &str, &Value)> = seen
        .iter()
        .map(|s| (s.method, s.path.as_str(), &s.body))
        .collect();
    assert_eq!(
        sent,
        [
            (
                "PATCH",
                format!("/api/v1/members/{AMINA}").as_str(),
                &json!({"title": "", "regions": ["africa", "europe"], "on_leave_until": null})
            ),
            (
                "PATCH",
                format!("/api/v1/members/{JONAS}").as_str(),
                &json!({"active": false})
            ),
            (
                "PATCH",
                format!("/api/v1/members/{JONAS}").as_str(),
                &json!({"active": true})
            ),
        ]
    );
}

#[test]
fn an_edit_without_changes_is_refused_before_anything_is_sent() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["members", "edit", AMINA]);

    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("nothing to change"), "{}", run.stderr);
    assert!(roster.seen().is_empty());
}

#[test]
fn showing_a_member_prints_every_detail() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["members", "show", JONAS]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    assert!(out.starts_with(&format!("member {JONAS}\n")), "{out}");
    for line in [
        "  name        Jonas Berg\n",
        "  affiliation University of Dakar\n",
        "  lines       secular, academia\n",
        "  writes      sv, en\n",
        "  reads       ar\n",
        "  time zone   Africa/Dakar\n",
        "  status      on leave until 2099-12-01\n",
    ] {
        assert!(out.contains(line), "{line:?} missing from {out}");
    }
}

#[test]
fn importing_sends_the_file_as_csv_and_says_what_changed() {
    let roster = StandInRoster::start();
    let dir = scratch("import-ok");
    let file = dir.join("members.csv");
    let csv = format!(
        "{CSV_HEADER}\nAmina Diallo,{AMINA_EMAIL},,,faith,fr,,,,,,true\nSara Cohen,sara@example.org,,,faith,he,,,,,,true\n"
    );
    std::fs::write(&file, &csv).unwrap();

    let run = roster.rrm(&["members", "import", file.to_str().unwrap()]);

    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "imported 2 rows: 1 created, 1 updated\n");
    assert_eq!(roster.seen()[0].body, Value::String(csv));
}

#[test]
fn an_import_with_invalid_rows_prints_every_row_error_and_exits_with_one() {
    let roster = StandInRoster::start();
    let dir = scratch("import-bad");
    let file = dir.join("members.csv");
    std::fs::write(
        &file,
        format!(
            "{CSV_HEADER}\nAmina Diallo,{AMINA_EMAIL},,,faith,fr,,,,,,true\nNo Mail,not-an-email,,,faith,fr,,,,,,true\nShort,row\n"
        ),
    )
    .unwrap();

    let run = roster.rrm(&["members", "import", file.to_str().unwrap()]);

    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: Invalid rows (422)\n  2 rows are invalid; nothing was imported\n  - row 2, email: \"not-an-email\" is not an e-mail address\n  - row 3: 2 columns, expected 12\n"
    );
}

#[test]
fn importing_a_file_that_is_not_there_is_a_usage_error() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["members", "import", "/nonexistent/members.csv"]);

    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: cannot read /nonexistent/members.csv: "),
        "{}",
        run.stderr
    );
    assert!(roster.seen().is_empty());
}

#[test]
fn exporting_writes_the_csv_as_roster_sent_it() {
    let roster = StandInRoster::start();
    let dir = scratch("export");
    let file = dir.join("roster.csv");

    let to_file = roster.rrm(&["members", "export", "--output", file.to_str().unwrap()]);
    let to_stdout = roster.rrm(&["members", "export"]);

    let written = std::fs::read_to_string(&file).unwrap();
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777
    };
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(to_file.code, 0, "{}", to_file.stderr);
    assert_eq!(to_file.stdout, "");
    assert_eq!(written, export_csv());
    #[cfg(unix)]
    assert_eq!(mode, 0o600, "the roster is personal data");
    assert_eq!(to_stdout.code, 0, "{}", to_stdout.stderr);
    assert_eq!(to_stdout.stdout, export_csv());
}

#[test]
fn a_members_data_is_printed_as_json_even_without_json() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["members", "data", AMINA]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let printed: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(printed["member"]["email"], AMINA_EMAIL);
    assert_eq!(printed["invitations"].as_array().unwrap().len(), 1);
}

#[test]
fn erasing_without_yes_says_it_is_irreversible_and_sends_nothing() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["members", "erase", AMINA]);

    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot be undone"), "{}", run.stderr);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert!(roster.seen().is_empty());
}

#[test]
fn erasing_with_yes_deletes_the_member() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["members", "erase", AMINA, "--yes"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!("erased: {AMINA} (personal data deleted)\n")
    );
    let seen = &roster.seen()[0];
    assert_eq!(
        (seen.method, seen.path.as_str()),
        ("DELETE", format!("/api/v1/members/{AMINA}").as_str())
    );
}

#[test]
fn roster_refusing_the_token_is_named_in_the_hint() {
    let roster = StandInRoster::start();

    let run = run_rrm(
        &["members", "show", AMINA, "--token", "wrong"],
        &[("RRM_ROSTER_URL", &roster.url)],
    );

    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("hint: roster does not accept this token"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_roster_url_without_a_scheme_is_a_usage_error_naming_the_flag() {
    let run = run_rrm(
        &["members", "list", "--roster-url", "roster.example.org"],
        &[("RRM_TOKEN", crate::helpers::TOKEN)],
    );

    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: --roster-url \"roster.example.org\" "),
        "{}",
        run.stderr
    );
}
