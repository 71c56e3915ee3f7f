//! The stand-in must answer in intake's shapes, and rrm must send what intake accepts: both
//! checked against the OpenAPI document intake serves, so a change there shows up here.

use crate::helpers::{StandIn, alert_with_timeline};
use serde_json::Value;

/// Intake's document, as intake generates it from its handlers and types (and serves at
/// `GET /api/v1/openapi.json`).
fn openapi() -> Value {
    serde_json::to_value(rrm_intake::api::openapi::document()).unwrap()
}

fn schema(name: &str) -> Value {
    openapi()["components"]["schemas"][name].clone()
}

#[test]
fn the_stand_in_answers_every_field_intake_documents_for_an_alert() {
    let documented = schema("Alert");
    let canned = alert_with_timeline();

    // Every field intake always sends; optional ones (a cancellation) may be absent.
    let required = documented["required"]
        .as_array()
        .expect("intake's Alert schema lists its required fields");
    for field in required {
        let field = field.as_str().unwrap();
        assert!(
            canned.get(field).is_some(),
            "the stand-in's alert lacks {field:?}"
        );
    }
}

#[test]
fn a_raise_with_every_flag_sends_only_fields_intake_accepts() {
    let intake = StandIn::start();
    intake.rrm(&[
        "alert",
        "raise",
        "--title",
        "T",
        "--summary",
        "S",
        "--region",
        "europe",
        "--topic",
        "t",
        "--severity",
        "low",
        "--language",
        "en",
        "--deadline",
        "2099-01-01T00:00:00Z",
        "--dedup-key",
        "k",
    ]);
    let sent = intake.seen()[0].body.clone();
    let documented = schema("NewAlert");

    let accepted = documented["properties"].as_object().unwrap();
    for field in sent.as_object().unwrap().keys() {
        assert!(
            accepted.contains_key(field),
            "intake does not accept {field:?}"
        );
    }
    for field in documented["required"].as_array().unwrap() {
        assert!(
            sent.get(field.as_str().unwrap()).is_some(),
            "{field} is required"
        );
    }
    let severities = &documented["properties"]["severity"]["enum"];
    assert_eq!(
        severities,
        &serde_json::json!(["low", "medium", "high", "critical"])
    );
}

/// Roster's document, as roster generates it.
fn roster_schema(name: &str) -> Value {
    serde_json::to_value(rrm_roster::api::openapi::document()).unwrap()["components"]["schemas"]
        [name]
        .clone()
}

#[test]
fn the_roster_stand_in_answers_every_field_roster_documents() {
    use crate::roster;
    let cases = [
        (
            "Member",
            roster::member(roster::AMINA, "Amina Diallo", roster::AMINA_EMAIL),
        ),
        ("PanelView", roster::panel()),
        (
            "InvitationView",
            roster::invitation(roster::AMINA, "Amina Diallo", "accepted"),
        ),
    ];
    for (name, canned) in cases {
        let documented = roster_schema(name);
        let required = documented["required"]
            .as_array()
            .unwrap_or_else(|| panic!("roster's {name} schema lists its required fields"));
        for field in required {
            let field = field.as_str().unwrap();
            assert!(
                canned.get(field).is_some(),
                "the stand-in's {name} lacks {field:?}"
            );
        }
    }
}

#[test]
fn members_add_and_edit_send_only_fields_roster_accepts() {
    use crate::roster::{AMINA, StandInRoster};
    let roster = StandInRoster::start();
    roster.rrm(&[
        "members",
        "add",
        "--name",
        "N",
        "--email",
        "n@example.org",
        "--line",
        "faith",
        "--title",
        "T",
        "--affiliation",
        "A",
        "--writes",
        "en",
        "--reads",
        "fr",
        "--topic",
        "t",
        "--region",
        "europe",
        "--time-zone",
        "Europe/Paris",
        "--on-leave-until",
        "2099-01-01",
    ]);
    roster.rrm(&["members", "edit", AMINA, "--clear-leave", "--title", "T2"]);
    roster.rrm(&["members", "deactivate", AMINA]);
    let documented = roster_schema("MemberInput");
    let accepted = documented["properties"].as_object().unwrap();
    let seen = roster.seen();
    assert!(seen.len() >= 3, "{} requests", seen.len());
    for request in seen {
        for field in request.body.as_object().into_iter().flat_map(|o| o.keys()) {
            assert!(
                accepted.contains_key(field),
                "roster does not accept {field:?}"
            );
        }
    }
}

#[test]
fn the_stand_in_reads_the_csv_columns_roster_reads() {
    assert_eq!(
        crate::roster::CSV_HEADER,
        rrm_roster::domain::csv::COLUMNS.join(",")
    );
}
