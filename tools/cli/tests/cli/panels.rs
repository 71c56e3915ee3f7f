use crate::roster::{AMINA, LI, PANEL_ALERT, StandInRoster, panel};
use serde_json::{Value, json};

#[test]
fn showing_a_panel_prints_the_explanation_then_one_line_per_invitation() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["panel", "show", PANEL_ALERT]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "panel for alert {PANEL_ALERT}: Quran burning in Stockholm
  forming: 1 accepted (needs 3, at least 2 of them sharing no line)

  Invited the 3 best-scoring active members from 2 lines,
  and 1 alternate.

NAME          LINES             STATE               SCORE  WHY
Amina Diallo  faith             accepted, author    87     writes ar; covers religion; answered fast before
Jonas Berg    secular,academia  declined            64     writes sv; covers europe; their note: travelling this week
Li Wei        faith             pending, alternate  51     writes zh-Hans
"
        )
    );
}

#[test]
fn a_panel_as_json_is_roster_s_answer() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["panel", "show", PANEL_ALERT, "--json"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let printed: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(printed, panel());
}

#[test]
fn inviting_a_member_by_hand_sends_the_member_and_prints_the_invitation() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["panel", "invite", PANEL_ALERT, LI]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(&format!(
            "invited: Li Wei ({LI}) to the panel of alert {PANEL_ALERT}\n"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  state      pending, by hand (Night desk)\n"),
        "{}",
        run.stdout
    );
    let seen = &roster.seen()[0];
    assert_eq!(
        seen.path,
        format!("/api/v1/panels/{PANEL_ALERT}/invitations")
    );
    assert_eq!(seen.body, json!({ "member_id": LI }));
}

#[test]
fn inviting_a_member_twice_is_refused_with_exit_code_one() {
    let roster = StandInRoster::start();

    let run = roster.rrm(&["panel", "invite", PANEL_ALERT, AMINA]);

    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: Already invited (409)\n  Amina Diallo is already invited to this panel\n"
    );
}
