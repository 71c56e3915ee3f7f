//! The members and panels API as coordinators use it, through the real router: who may call it,
//! creating, listing, editing, erasing, one member's data, the CSV import and export, reading a
//! panel and inviting by hand — and every kind of bad input refused with nothing changed.

use super::*;
use crate::domain::csv::COLUMNS;
use serde_json::json;

/// The roster as the export writes it: what "nothing changed" is compared against.
async fn export(f: &Fixture) -> String {
    let answer = f
        .call("GET", "/api/v1/members/export", Some(TOKEN), None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.text
}

/// One listing page.
async fn list(f: &Fixture, query: &str) -> Answer {
    f.json("GET", &format!("/api/v1/members{query}"), None)
        .await
}

/// The names on a listing page, in order.
fn names(page: &Value) -> Vec<String> {
    page["members"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The names a listing shows (one page of 200).
async fn listed(f: &Fixture, query: &str) -> Vec<String> {
    let sep = if query.is_empty() { "?" } else { "&" };
    let answer = list(f, &format!("{query}{sep}limit=200")).await;
    assert_eq!(answer.status, 200, "{query}: {}", answer.text);
    names(&answer.json)
}

const ALL_NAMES: [&str; 7] = [
    "Amina Haddad",
    "David Levin",
    "Grace Okafor",
    "Léa Cohen",
    "Omar Said",
    "Ravi Menon",
    "Yusuf Demir",
];

fn id_of(f: &Fixture, email: &str) -> Uuid {
    store::member_by_email(&f.roster.store, email)
        .unwrap()
        .unwrap_or_else(|| panic!("{email} is not on the roster"))
        .member_id
}

async fn import(f: &Fixture, csv: &str) -> Answer {
    f.call(
        "POST",
        "/api/v1/members/import",
        Some(TOKEN),
        Some(("text/csv", csv)),
    )
    .await
}

/// The (field) of each error of a 422 problem.
fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {problem}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// The (line, column) of each error of an import's refusal.
fn rows(problem: &Value) -> Vec<(u64, String)> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {problem}"))
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Who may call it

#[tokio::test]
async fn the_members_api_needs_a_token_with_roster_write() {
    let f = fixture().await;
    let before = export(&f).await;
    for token in [None, Some("no-such-token-0123456789abcdef")] {
        let answer = f.call("GET", "/api/v1/members", token, None).await;
        assert_eq!(
            (answer.status, answer.content_type.as_str()),
            (401, "application/problem+json"),
            "{}",
            answer.text
        );
        assert!(answer.json.get("members").is_none(), "no member is shown");
    }
    let answer = f.call("GET", "/api/v1/members", Some(READER), None).await;
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (403, "application/problem+json")
    );
    assert!(answer.json.get("members").is_none());

    // A reader cannot add, import or erase either.
    let body = r#"{"name": "Nadia Karim", "email": "nadia@m.test", "lines": ["muslim"]}"#;
    let answer = f
        .call(
            "POST",
            "/api/v1/members",
            Some(READER),
            Some(("application/json", body)),
        )
        .await;
    assert_eq!(answer.status, 403);
    let answer = f
        .call(
            "POST",
            "/api/v1/members/import",
            Some(READER),
            Some((
                "text/csv",
                "name,email,lines\nNadia Karim,nadia@m.test,muslim\n",
            )),
        )
        .await;
    assert_eq!(answer.status, 403);
    let amina = id_of(&f, "amina@m.test");
    let answer = f
        .call(
            "DELETE",
            &format!("/api/v1/members/{amina}"),
            Some(READER),
            None,
        )
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(export(&f).await, before, "nothing changed");
}

// ---------------------------------------------------------------------------------------------
// Create

#[tokio::test]
async fn a_member_is_created_with_their_values_parsed() {
    let f = fixture().await;
    let answer = f
        .json(
            "POST",
            "/api/v1/members",
            Some(
                r#"{"name": "  Nadia Karim ", "title": "Professor", "email": "Nadia.Karim@Example.ORG",
                    "lines": ["Muslim", "muslim", " Arab-World "], "languages_written": ["ar", "en"],
                    "time_zone": "Asia/Beirut", "on_leave_until": "2026-12-24"}"#,
            ),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let member = &answer.json;
    assert_eq!(member["name"], "Nadia Karim");
    assert_eq!(
        member["email"], "Nadia.Karim@example.org",
        "domain lower-cased"
    );
    assert_eq!(member["lines"], json!(["muslim", "arab-world"]));
    assert_eq!(member["languages_written"], json!(["ar", "en"]));
    assert_eq!(member["time_zone"], "Asia/Beirut");
    assert_eq!(member["on_leave_until"], "2026-12-24");
    assert_eq!(member["active"], true);

    // Location leads to the member.
    let id = member["member_id"].as_str().unwrap();
    let shown = f.json("GET", &format!("/api/v1/members/{id}"), None).await;
    assert_eq!(shown.status, 200);
    assert_eq!(&shown.json, member);
    let request = Request::post("/api/v1/members")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"name": "Sami Aziz", "email": "sami@m.test", "lines": ["secular"]}"#,
        ))
        .unwrap();
    let router = api::routes(f.roster.clone());
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 201);
    let sami = id_of(&f, "sami@m.test");
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("/api/v1/members/{sami}")
    );
    // Without a time zone: UTC.
    let sami = store::member(&f.roster.store, sami).unwrap().unwrap();
    assert_eq!(sami.time_zone, chrono_tz::UTC);

    let names = listed(&f, "").await;
    assert_eq!(names.len(), 9);
    assert!(names.contains(&"Nadia Karim".to_owned()));
}

#[tokio::test]
async fn an_address_already_on_the_roster_is_refused_whatever_its_case() {
    let f = fixture().await;
    let before = export(&f).await;
    for email in ["amina@m.test", "AMINA@M.TEST", "Amina@m.Test"] {
        let body = json!({"name": "Another Amina", "email": email, "lines": ["muslim"]});
        let answer = f
            .json("POST", "/api/v1/members", Some(&body.to_string()))
            .await;
        assert_eq!(
            (answer.status, answer.content_type.as_str()),
            (409, "application/problem+json"),
            "{email}: {}",
            answer.text
        );
    }
    assert_eq!(export(&f).await, before, "nothing added");
    assert_eq!(listed(&f, "").await, ALL_NAMES);
}

#[tokio::test]
async fn invalid_fields_are_each_named_and_nothing_is_added() {
    let f = fixture().await;
    let before = export(&f).await;
    let body = json!({
        "name": "Nadia\u{7}Karim",
        "email": "nadia@m.test",
        "lines": ["martian"],
        "languages_written": ["xx"],
        "time_zone": "Mars/Olympus",
        "on_leave_until": "next week",
    });
    let answer = f
        .json("POST", "/api/v1/members", Some(&body.to_string()))
        .await;
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (422, "application/problem+json"),
        "{}",
        answer.text
    );
    assert_eq!(
        fields(&answer.json),
        [
            "name",
            "lines",
            "languages_written",
            "time_zone",
            "on_leave_until"
        ]
    );
    let detail = answer.json["detail"].as_str().unwrap();
    assert!(detail.contains("control characters"), "{detail}");
    assert!(detail.contains("\"martian\""), "{detail}");
    assert!(detail.contains("\"xx\""), "{detail}");

    // Each bad field alone is enough to refuse the whole member.
    for (field, value) in [
        ("name", json!("Nadia\nKarim")),
        ("lines", json!(["martian"])),
        ("languages_written", json!(["xx"])),
        ("time_zone", json!("Europe/Atlantis")),
        ("on_leave_until", json!("2026-13-01")),
        ("email", json!("not-an-address")),
    ] {
        let mut body = json!({"name": "Nadia Karim", "email": "nadia@m.test", "lines": ["muslim"]});
        body[field] = value;
        let answer = f
            .json("POST", "/api/v1/members", Some(&body.to_string()))
            .await;
        assert_eq!(answer.status, 422, "{field}: {}", answer.text);
        assert_eq!(fields(&answer.json), [field]);
    }

    // A field the API does not know is refused too (as invalid fields, naming it).
    let answer = f
        .json(
            "POST",
            "/api/v1/members",
            Some(r#"{"name": "Nadia Karim", "email": "nadia@m.test", "lines": ["muslim"], "nickname": "N"}"#),
        )
        .await;
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (422, "application/problem+json"),
        "{}",
        answer.text
    );
    assert!(answer.text.contains("nickname"), "{}", answer.text);

    // Not JSON, or not said to be JSON.
    let answer = f.json("POST", "/api/v1/members", Some("{name:")).await;
    assert_eq!(answer.status, 400);
    let answer = f
        .call(
            "POST",
            "/api/v1/members",
            Some(TOKEN),
            Some((
                "text/plain",
                r#"{"name": "Nadia Karim", "email": "nadia@m.test", "lines": ["muslim"]}"#,
            )),
        )
        .await;
    assert_eq!(answer.status, 415);

    assert_eq!(export(&f).await, before, "nothing added");
    assert!(
        store::member_by_email(&f.roster.store, "nadia@m.test")
            .unwrap()
            .is_none()
    );
}

// ---------------------------------------------------------------------------------------------
// List

#[tokio::test]
async fn the_listing_searches_and_filters() {
    let f = fixture().await;
    assert_eq!(listed(&f, "").await, ALL_NAMES, "name order");
    assert_eq!(listed(&f, "?q=HADDAD").await, ["Amina Haddad"]);
    assert_eq!(
        listed(&f, "?q=lagos").await,
        ["Grace Okafor"],
        "affiliation"
    );
    assert_eq!(
        listed(&f, "?q=ravi%40m.test").await,
        ["Ravi Menon"],
        "address"
    );
    assert_eq!(
        listed(&f, "?q=nobody-like-this").await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(&f, "?line=jewish").await,
        ["David Levin", "Léa Cohen"]
    );
    assert_eq!(
        listed(&f, "?line=Jewish").await,
        ["David Levin", "Léa Cohen"]
    );
    assert_eq!(
        listed(&f, "?line=muslim").await,
        ["Amina Haddad", "Omar Said", "Yusuf Demir"]
    );
    assert_eq!(
        listed(&f, "?language=fr").await,
        ["David Levin", "Léa Cohen"]
    );
    assert_eq!(listed(&f, "?language=tr").await, ["Yusuf Demir"]);
    assert_eq!(
        listed(&f, "?line=muslim&language=ar").await,
        ["Amina Haddad"]
    );
    assert_eq!(listed(&f, "?status=all").await, ALL_NAMES);
    assert_eq!(listed(&f, "?status=inactive").await, Vec::<String>::new());
}

#[tokio::test]
async fn pages_hold_every_member_once_in_name_order() {
    let f = fixture().await;
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut query = "?limit=3".to_owned();
    loop {
        let answer = list(&f, &query).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let page = names(&answer.json);
        sizes.push(page.len());
        seen.extend(page);
        match answer.json["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=3&cursor={cursor}"),
            None => {
                assert!(answer.json["next_cursor"].is_null());
                break;
            }
        }
        assert!(sizes.len() < 10, "the pages never end");
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen, ALL_NAMES, "every member once, no repeats");

    // A page that holds the last member says there is no next one.
    let answer = list(&f, "?limit=7").await;
    assert_eq!(names(&answer.json).len(), 7);
    assert!(answer.json["next_cursor"].is_null());

    // A filter holds across pages.
    let first = list(&f, "?line=muslim&limit=2").await;
    assert_eq!(names(&first.json), ["Amina Haddad", "Omar Said"]);
    let cursor = first.json["next_cursor"].as_str().unwrap();
    let second = list(&f, &format!("?line=muslim&limit=2&cursor={cursor}")).await;
    assert_eq!(names(&second.json), ["Yusuf Demir"]);
    assert!(second.json["next_cursor"].is_null());
}

#[tokio::test]
async fn bad_listing_parameters_are_refused_by_name() {
    let f = fixture().await;
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=201", "limit"),
        ("?limit=ten", "limit"),
        ("?status=gone", "status"),
        ("?cursor=!!not-a-cursor!!", "cursor"),
    ] {
        let answer = list(&f, query).await;
        assert_eq!(
            (answer.status, answer.content_type.as_str()),
            (422, "application/problem+json"),
            "{query}: {}",
            answer.text
        );
        assert_eq!(fields(&answer.json), [field], "{query}");
    }
    let answer = list(&f, "?limit=0&status=gone").await;
    assert_eq!(fields(&answer.json), ["limit", "status"], "each one named");
    let answer = list(&f, "?colour=blue").await;
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (400, "application/problem+json")
    );
}

// ---------------------------------------------------------------------------------------------
// Edit

#[tokio::test]
async fn an_edit_changes_only_the_fields_it_names() {
    let f = fixture().await;
    let amina = id_of(&f, "amina@m.test");
    let path = format!("/api/v1/members/{amina}");
    let before = f.json("GET", &path, None).await.json;

    let answer = f
        .json(
            "PATCH",
            &path,
            Some(r#"{"title": "Dean", "on_leave_until": "2026-12-24"}"#),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["title"], "Dean");
    assert_eq!(answer.json["on_leave_until"], "2026-12-24");
    for kept in [
        "name",
        "email",
        "affiliation",
        "lines",
        "languages_written",
        "topics",
        "regions",
        "time_zone",
        "active",
        "member_id",
        "created_at",
    ] {
        assert_eq!(answer.json[kept], before[kept], "{kept} kept");
    }
    assert_eq!(f.json("GET", &path, None).await.json, answer.json);

    // null clears the leave, and only the leave.
    let answer = f
        .json("PATCH", &path, Some(r#"{"on_leave_until": null}"#))
        .await;
    assert_eq!(answer.status, 200);
    assert!(answer.json["on_leave_until"].is_null());
    assert_eq!(answer.json["title"], "Dean");

    // A list given replaces the list.
    let answer = f
        .json("PATCH", &path, Some(r#"{"lines": ["Arab-World"]}"#))
        .await;
    assert_eq!(answer.json["lines"], json!(["arab-world"]));
    assert_eq!(
        listed(&f, "?line=muslim").await,
        ["Omar Said", "Yusuf Demir"]
    );
}

#[tokio::test]
async fn a_deactivated_member_leaves_the_default_listing() {
    let f = fixture().await;
    let amina = id_of(&f, "amina@m.test");
    let path = format!("/api/v1/members/{amina}");
    let answer = f.json("PATCH", &path, Some(r#"{"active": false}"#)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["active"], false);
    assert_eq!(answer.json["name"], "Amina Haddad");

    let active = listed(&f, "").await;
    assert_eq!(active.len(), 6);
    assert!(!active.contains(&"Amina Haddad".to_owned()));
    assert_eq!(listed(&f, "?status=inactive").await, ["Amina Haddad"]);
    assert_eq!(listed(&f, "?status=all").await, ALL_NAMES);

    // And back.
    f.json("PATCH", &path, Some(r#"{"active": true}"#)).await;
    assert_eq!(listed(&f, "").await, ALL_NAMES);
}

#[tokio::test]
async fn a_bad_edit_changes_nothing() {
    let f = fixture().await;
    let before = export(&f).await;
    let amina = id_of(&f, "amina@m.test");
    let path = format!("/api/v1/members/{amina}");

    for email in ["david@m.test", "DAVID@M.TEST"] {
        let body = json!({ "email": email, "title": "Dean" });
        let answer = f.json("PATCH", &path, Some(&body.to_string())).await;
        assert_eq!(
            (answer.status, answer.content_type.as_str()),
            (409, "application/problem+json"),
            "{email}: {}",
            answer.text
        );
    }
    for (body, field) in [
        (r#"{"lines": []}"#, "lines"),
        (r#"{"lines": ["martian"], "title": "Dean"}"#, "lines"),
        (r#"{"name": "  "}"#, "name"),
        (r#"{"time_zone": "Paris"}"#, "time_zone"),
        (r#"{"languages_read": ["xx"]}"#, "languages_read"),
        (r#"{"on_leave_until": "24/12/2026"}"#, "on_leave_until"),
    ] {
        let answer = f.json("PATCH", &path, Some(body)).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.text);
        assert_eq!(fields(&answer.json), [field], "{body}");
    }
    let answer = f.json("PATCH", &path, Some(r#"{"colour": "blue"}"#)).await;
    assert_eq!(answer.status, 422, "{}", answer.text);

    let nobody = Uuid::now_v7();
    let answer = f
        .json(
            "PATCH",
            &format!("/api/v1/members/{nobody}"),
            Some(r#"{"title": "Dean"}"#),
        )
        .await;
    assert_eq!(answer.status, 404);
    let answer = f
        .json("GET", &format!("/api/v1/members/{nobody}"), None)
        .await;
    assert_eq!(answer.status, 404);
    let answer = f.json("GET", "/api/v1/members/not-an-id", None).await;
    assert_eq!(answer.status, 404);

    assert_eq!(export(&f).await, before, "nothing changed");
    // Her own address in another case is still hers.
    let answer = f
        .json("PATCH", &path, Some(r#"{"email": "AMINA@M.TEST"}"#))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

// ---------------------------------------------------------------------------------------------
// Erase and one member's data

#[tokio::test]
async fn an_erased_member_is_gone_from_every_view() {
    let f = fixture().await;
    let alert = f.raise().await;
    let (inv, invited) = f.invitations(alert).remove(0);
    let email = invited.email.as_str().to_owned();
    let answer = f.answer(&inv, "accept", "Happy to write it.").await;
    assert!(answer.status < 400, "{}", answer.text);
    let id = invited.member_id;

    let answer = f
        .json("DELETE", &format!("/api/v1/members/{id}"), None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json, json!({"member_id": id, "erased": true}));

    let shown = f.json("GET", &format!("/api/v1/members/{id}"), None).await;
    assert_eq!(shown.status, 200);
    assert!(!shown.text.contains(&invited.name), "{}", shown.text);
    assert!(!shown.text.contains(&email), "{}", shown.text);
    assert_eq!(shown.json["erased"], true);

    let data = f
        .json("GET", &format!("/api/v1/members/{id}/data"), None)
        .await;
    assert_eq!(data.status, 200);
    assert!(!data.text.contains(&invited.name), "{}", data.text);
    assert!(!data.text.contains(&email));
    assert!(!data.text.contains("Happy to write it"), "notes removed");
    assert_eq!(data.json["member"]["erased"], true);
    assert!(
        data.json["member"]["name"]
            .as_str()
            .unwrap()
            .starts_with("Erased member")
    );
    // The facts stay: they were invited and accepted.
    assert_eq!(data.json["invitations"].as_array().unwrap().len(), 1);
    assert_eq!(data.json["invitations"][0]["answer"], "accepted");

    let csv = export(&f).await;
    assert!(!csv.contains(&email), "{csv}");
    assert!(!csv.contains(&invited.name), "{csv}");
    assert!(!listed(&f, "?status=all").await.contains(&invited.name));
    assert!(!listed(&f, "").await.iter().any(|n| n.starts_with("Erased")));

    // Their panel shows them anonymised.
    let panel = f
        .json("GET", &format!("/api/v1/panels/{alert}"), None)
        .await;
    assert!(!panel.text.contains(&invited.name), "{}", panel.text);
    assert!(!panel.text.contains("Happy to write it"));

    // An erased member cannot be edited back.
    let answer = f
        .json(
            "PATCH",
            &format!("/api/v1/members/{id}"),
            Some(&json!({"name": invited.name}).to_string()),
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert!(!export(&f).await.contains(&invited.name));

    // Importing their old address makes a new member; the erased one stays erased.
    let row = format!("name,email,lines\n{},{email},muslim\n", invited.name);
    let answer = import(&f, &row).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["created"], 1);
    assert_eq!(answer.json["updated"], 0);
    let again = store::member_by_email(&f.roster.store, &email)
        .unwrap()
        .unwrap();
    assert_ne!(again.member_id, id);
    let old = store::member(&f.roster.store, id).unwrap().unwrap();
    assert!(old.erased && old.name.starts_with("Erased member"));

    // Erasing twice is harmless; an unknown member is not found.
    let answer = f
        .json("DELETE", &format!("/api/v1/members/{id}"), None)
        .await;
    assert_eq!(answer.status, 200);
    let answer = f
        .json(
            "DELETE",
            &format!("/api/v1/members/{}", Uuid::now_v7()),
            None,
        )
        .await;
    assert_eq!(answer.status, 404);
}

#[tokio::test]
async fn a_members_data_holds_the_member_and_their_invitations() {
    let f = fixture().await;
    let amina = id_of(&f, "amina@m.test");
    let data = f
        .json("GET", &format!("/api/v1/members/{amina}/data"), None)
        .await;
    assert_eq!(data.status, 200, "{}", data.text);
    assert_eq!(data.json["member"]["email"], "amina@m.test");
    assert_eq!(data.json["invitations"], json!([]));

    let alert = f.raise().await;
    let (inv, member) = f.invitations(alert).remove(0);
    f.answer(&inv, "decline", "Travelling this week.").await;
    let data = f
        .json(
            "GET",
            &format!("/api/v1/members/{}/data", member.member_id),
            None,
        )
        .await;
    assert_eq!(data.status, 200);
    assert_eq!(data.json["member"]["name"], member.name.as_str());
    let invitations = data.json["invitations"].as_array().unwrap();
    assert_eq!(invitations.len(), 1);
    assert_eq!(invitations[0]["alert_id"], alert.to_string());
    assert_eq!(invitations[0]["answer"], "declined");
    assert_eq!(invitations[0]["note"], "Travelling this week.");
    assert!(!invitations[0]["reasons"].as_array().unwrap().is_empty());
    assert!(data.json["exported_at"].is_string());

    let answer = f
        .json(
            "GET",
            &format!("/api/v1/members/{}/data", Uuid::now_v7()),
            None,
        )
        .await;
    assert_eq!(answer.status, 404);
}

// ---------------------------------------------------------------------------------------------
// CSV import and export

#[tokio::test]
async fn an_import_reports_what_it_created_and_what_it_updated() {
    let f = fixture().await;
    let csv = "name,title,email,lines,languages_written,time_zone\n\
               Nadia Karim,Professor,nadia@m.test,muslim;arab-world,ar;en,Asia/Beirut\n\
               Amina Haddad,Dean,AMINA@m.test,muslim;arab-world,en;ar,Europe/Paris\n";
    let answer = import(&f, csv).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json, json!({"rows": 2, "created": 1, "updated": 1}));
    let amina = store::member_by_email(&f.roster.store, "amina@m.test")
        .unwrap()
        .unwrap();
    assert_eq!(amina.title, "Dean", "the row updated her");
    assert_eq!(amina.affiliation, "University of Beirut", "no column: kept");
    let nadia = store::member_by_email(&f.roster.store, "nadia@m.test")
        .unwrap()
        .unwrap();
    assert_eq!(nadia.time_zone, chrono_tz::Asia::Beirut);
    assert_eq!(listed(&f, "").await.len(), 8);

    // The same file again updates both.
    let answer = import(&f, csv).await;
    assert_eq!(answer.json, json!({"rows": 2, "created": 0, "updated": 2}));
    assert_eq!(listed(&f, "").await.len(), 8);
}

#[tokio::test]
async fn an_import_that_is_not_csv_is_refused() {
    let f = fixture().await;
    let before = export(&f).await;
    let csv = "name,email,lines\nNadia Karim,nadia@m.test,muslim\n";
    for content_type in [Some("application/json"), Some("text/plain"), None] {
        let answer = f
            .call(
                "POST",
                "/api/v1/members/import",
                Some(TOKEN),
                content_type.map(|c| (c, csv)),
            )
            .await;
        assert_eq!(
            (answer.status, answer.content_type.as_str()),
            (415, "application/problem+json"),
            "{content_type:?}"
        );
    }
    assert_eq!(export(&f).await, before, "nothing imported");
}

#[tokio::test]
async fn each_bad_row_is_reported_with_its_line_and_nothing_is_imported() {
    let f = fixture().await;
    let before = export(&f).await;
    let good = "Nadia Karim,nadia@m.test,muslim";
    let update = "Amina Haddad,amina@m.test,secular";
    for (case, csv, expected) in [
        (
            "a bad address",
            format!("name,email,lines\n{good}\n{update}\nSami Aziz,sami-at-m.test,secular\n"),
            vec![(4, "email")],
        ),
        (
            "an address twice in the file",
            format!("name,email,lines\n{good}\n{update}\nNadia K.,NADIA@M.TEST,muslim\n"),
            vec![(4, "email")],
        ),
        (
            "an unknown line",
            format!("name,email,lines\n{good}\n{update}\nSami Aziz,sami@m.test,martian\n"),
            vec![(4, "lines")],
        ),
        (
            "a control character in a name",
            format!("name,email,lines\n{good}\n{update}\nSami\u{7}Aziz,sami@m.test,secular\n"),
            vec![(4, "name")],
        ),
        (
            "an unknown column",
            format!("name,email,lines,nickname\n{good},N\n{update},A\n"),
            vec![(1, "")],
        ),
        (
            "several bad rows",
            format!(
                "name,email,lines\n{good}\nSami Aziz,sami-at-m.test,secular\n{update}\n\
                 Sami Aziz,sami@m.test,martian\nNadia K.,nadia@M.test,muslim\n"
            ),
            vec![(3, "email"), (5, "lines"), (6, "email")],
        ),
    ] {
        let answer = import(&f, &csv).await;
        assert_eq!(
            (answer.status, answer.content_type.as_str()),
            (422, "application/problem+json"),
            "{case}: {}",
            answer.text
        );
        let found = rows(&answer.json);
        let expected: Vec<(u64, String)> = expected
            .into_iter()
            .map(|(r, f)| (r, f.to_owned()))
            .collect();
        assert_eq!(found, expected, "{case}: {}", answer.text);
        assert!(
            answer.json["detail"]
                .as_str()
                .unwrap()
                .contains("nothing was imported")
        );
        assert_eq!(export(&f).await, before, "{case}: the roster is unchanged");
    }
    let duplicate = import(
        &f,
        &format!("name,email,lines\n{good}\nNadia K.,NADIA@M.TEST,muslim\n"),
    )
    .await;
    assert!(
        duplicate.json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("also on line 2"),
        "{}",
        duplicate.text
    );
    assert_eq!(export(&f).await, before);
}

#[tokio::test]
async fn the_export_is_the_import_s_csv_and_reads_back_unchanged() {
    let f = fixture().await;
    let answer = f
        .call("GET", "/api/v1/members/export", Some(TOKEN), None)
        .await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.content_type.starts_with("text/csv"),
        "{}",
        answer.content_type
    );
    let csv = answer.text;
    assert_eq!(csv.lines().next().unwrap(), COLUMNS.join(","));
    assert_eq!(csv.lines().count(), 8, "a header and seven members");
    assert!(csv.contains(
        "Amina Haddad,Professor,University of Beirut,amina@m.test,muslim;arab-world,en;ar,"
    ));

    let answer = import(&f, &csv).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json, json!({"rows": 7, "created": 0, "updated": 7}));
    assert_eq!(export(&f).await, csv, "read back, nothing changed");
}

#[tokio::test]
async fn a_cell_a_spreadsheet_would_run_is_exported_defused() {
    let f = fixture().await;
    let amina = id_of(&f, "amina@m.test");
    let answer = f
        .json(
            "PATCH",
            &format!("/api/v1/members/{amina}"),
            Some(r#"{"title": "=HYPERLINK(\"http://evil.test\")", "affiliation": "+1 Forum"}"#),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let csv = export(&f).await;
    let row = csv.lines().find(|l| l.contains("amina@m.test")).unwrap();
    assert!(
        row.starts_with(r#"Amina Haddad,"'=HYPERLINK(""http://evil.test"")",'+1 Forum,"#),
        "{row}"
    );
    assert!(!csv.contains(",=") && !csv.contains(",\"="), "{csv}");

    // The defused export still imports cleanly.
    let answer = import(&f, &csv).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json, json!({"rows": 7, "created": 0, "updated": 7}));
}

/// Exporting and importing the export should change nothing; a defused cell comes back with the
/// quote the export added.
#[tokio::test]
async fn a_defused_cell_reads_back_as_it_was() {
    let f = fixture().await;
    let amina = id_of(&f, "amina@m.test");
    f.json(
        "PATCH",
        &format!("/api/v1/members/{amina}"),
        Some(r#"{"title": "-Emeritus-"}"#),
    )
    .await;
    let csv = export(&f).await;
    let answer = import(&f, &csv).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let amina = store::member(&f.roster.store, amina).unwrap().unwrap();
    assert_eq!(amina.title, "-Emeritus-");
}

/// The export leaves erased members out (nothing personal is left of them); it still reads back.
#[tokio::test]
async fn an_export_with_an_erased_member_reads_back() {
    let f = fixture().await;
    let amina = id_of(&f, "amina@m.test");
    let answer = f
        .json("DELETE", &format!("/api/v1/members/{amina}"), None)
        .await;
    assert_eq!(answer.status, 200);
    let csv = export(&f).await;
    let answer = import(&f, &csv).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["created"], 0, "{}", answer.text);
}

// ---------------------------------------------------------------------------------------------
// Panels

#[tokio::test]
async fn a_panel_shows_who_was_invited_and_why() {
    let f = fixture().await;
    for path in [
        format!("/api/v1/panels/{}", Uuid::now_v7()),
        "/api/v1/panels/not-an-alert".to_owned(),
    ] {
        let answer = f.json("GET", &path, None).await;
        assert_eq!(
            (answer.status, answer.content_type.as_str()),
            (404, "application/problem+json"),
            "{path}"
        );
    }
    let alert = f.raise().await;
    for token in [TOKEN, READER] {
        let answer = f
            .call("GET", &format!("/api/v1/panels/{alert}"), Some(token), None)
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let panel = &answer.json;
        assert_eq!(panel["alert_id"], alert.to_string());
        assert_eq!(panel["title"], "Holy book burned");
        assert!(
            !panel["explanation"].as_str().unwrap().is_empty(),
            "{panel}"
        );
        let invitations = panel["invitations"].as_array().unwrap();
        assert_eq!(invitations.len(), f.invitations(alert).len());
        assert!(!invitations.is_empty());
        for inv in invitations {
            assert_eq!(inv["state"], "pending");
            assert!(
                !inv["reasons"].as_array().unwrap().is_empty(),
                "each invitation says why: {inv}"
            );
            assert!(inv["name"].as_str().is_some_and(|n| ALL_NAMES.contains(&n)));
        }
    }
}

/// A member of the roster the alert's panel did not invite.
fn not_invited(f: &Fixture, alert: Uuid) -> Member {
    let invited: Vec<Uuid> = f
        .invitations(alert)
        .iter()
        .map(|(_, m)| m.member_id)
        .collect();
    store::all_members(&f.roster.store)
        .unwrap()
        .into_iter()
        .find(|m| !invited.contains(&m.member_id))
        .expect("someone was not invited")
}

#[tokio::test]
async fn a_coordinator_invites_a_member_by_hand_once() {
    let f = fixture().await;
    let alert = f.raise().await;
    let member = not_invited(&f, alert);
    let email = member.email.as_str().to_owned();
    let invited = f.invitations(alert).len();
    assert!(f.mails_to(&email).is_empty());
    let path = format!("/api/v1/panels/{alert}/invitations");
    let body = json!({ "member_id": member.member_id }).to_string();

    // A reader may read the panel but not invite.
    let answer = f
        .call(
            "POST",
            &path,
            Some(READER),
            Some(("application/json", &body)),
        )
        .await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    assert_eq!(f.invitations(alert).len(), invited);
    assert!(f.mails_to(&email).is_empty());

    let answer = f.json("POST", &path, Some(&body)).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.json["member_id"], member.member_id.to_string());
    assert_eq!(answer.json["name"], member.name.as_str());
    assert_eq!(answer.json["state"], "pending");
    assert_eq!(answer.json["invited_by"], "admin desk");
    assert!(
        answer.json["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("invited by hand")),
        "{}",
        answer.text
    );
    assert_eq!(f.invitations(alert).len(), invited + 1);
    assert_eq!(f.mails_to(&email).len(), 1, "they get the invitation");
    let panel = f
        .json("GET", &format!("/api/v1/panels/{alert}"), None)
        .await;
    assert!(panel.text.contains(&member.name));

    // Again: already invited, no second mail.
    let answer = f.json("POST", &path, Some(&body)).await;
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (409, "application/problem+json")
    );
    assert_eq!(f.invitations(alert).len(), invited + 1);
    assert_eq!(f.mails_to(&email).len(), 1);

    // Somebody not on the roster, or a panel that does not exist.
    let nobody = json!({ "member_id": Uuid::now_v7() }).to_string();
    let answer = f.json("POST", &path, Some(&nobody)).await;
    assert_eq!(answer.status, 404, "{}", answer.text);
    let answer = f
        .json(
            "POST",
            &format!("/api/v1/panels/{}/invitations", Uuid::now_v7()),
            Some(&body),
        )
        .await;
    assert_eq!(answer.status, 404);
    let answer = f
        .json("POST", &path, Some(r#"{"member_id": "not-an-id"}"#))
        .await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert_eq!(f.invitations(alert).len(), invited + 1);
}

#[tokio::test]
async fn an_inactive_member_cannot_be_invited_by_hand() {
    let f = fixture().await;
    let alert = f.raise().await;
    let member = not_invited(&f, alert);
    let answer = f
        .json(
            "PATCH",
            &format!("/api/v1/members/{}", member.member_id),
            Some(r#"{"active": false}"#),
        )
        .await;
    assert_eq!(answer.status, 200);
    let invited = f.invitations(alert).len();
    let answer = f
        .json(
            "POST",
            &format!("/api/v1/panels/{alert}/invitations"),
            Some(&json!({ "member_id": member.member_id }).to_string()),
        )
        .await;
    assert_eq!(answer.status, 404, "{}", answer.text);
    assert_eq!(f.invitations(alert).len(), invited);
    assert!(f.mails_to(member.email.as_str()).is_empty());
}

// ---------------------------------------------------------------------------------------------
// What the import reports, as a spreadsheet writes files

/// A cell may hold a line break (quoted); the lines reported are still the file's lines.
#[tokio::test]
async fn a_bad_row_after_a_multi_line_cell_is_reported_on_its_own_line() {
    let f = fixture().await;
    let before = export(&f).await;
    // Line 2 holds a cell spanning lines 2 and 3; the bad address is on line 4.
    let csv = "name,email,lines\n\
               Nadia Karim,nadia@m.test,\"muslim;\narab-world\"\n\
               Sami Aziz,sami-at-m.test,secular\n";
    let answer = import(&f, csv).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert_eq!(rows(&answer.json), [(4, "email".to_owned())]);
    assert_eq!(export(&f).await, before);
}

/// Spreadsheets save UTF-8 CSV with a byte-order mark; the header still reads.
#[tokio::test]
async fn a_file_with_a_byte_order_mark_imports() {
    let f = fixture().await;
    let csv = "\u{feff}name,email,lines\nNadia Karim,nadia@m.test,muslim\n";
    let answer = import(&f, csv).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["created"], 1);
}

/// What was imported, edited and erased is what a restart finds.
#[tokio::test]
async fn the_roster_is_what_a_restart_finds() {
    let f = fixture().await;
    let answer = import(&f, "name,email,lines\nNadia Karim,nadia@m.test,muslim\n").await;
    assert_eq!(answer.status, 200);
    let omar = id_of(&f, "omar@m.test");
    f.json("DELETE", &format!("/api/v1/members/{omar}"), None)
        .await;
    let csv = export(&f).await;
    let Fixture { dir, roster } = f;
    drop(roster);
    let f = Fixture {
        roster: open(dir.path()),
        dir,
    };
    assert_eq!(export(&f).await, csv);
    assert!(
        store::member_by_email(&f.roster.store, "omar@m.test")
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store::member_by_email(&f.roster.store, "nadia@m.test")
            .unwrap()
            .unwrap()
            .name,
        "Nadia Karim"
    );
}

/// Erasing a member who has a pending invitation: nothing more is sent to them, and nothing
/// more is said in their name.
#[tokio::test]
async fn an_erased_member_is_not_reminded() {
    let f = fixture().await;
    let alert = f.raise().await;
    let (_, member) = f.invitations(alert).remove(0);
    let invitation = f.invitation_of(alert, member.email.as_str());
    let answer = f
        .json(
            "DELETE",
            &format!("/api/v1/members/{}", member.member_id),
            None,
        )
        .await;
    assert_eq!(answer.status, 200);
    let erased = store::member(&f.roster.store, member.member_id)
        .unwrap()
        .unwrap();
    // Their pending invitation is withdrawn, and an alternate invited in their place.
    assert_eq!(
        store::invitation(&f.roster.store, invitation.invitation_id)
            .unwrap()
            .unwrap()
            .answer,
        crate::domain::Answer::Withdrawn
    );
    assert!(
        f.events()
            .iter()
            .any(|e| matches!(e, Event::PanelMobilized(m)
        if m.explanation.contains("who was removed from the roster")))
    );
    let mails = f.mails().len();
    // Nothing is due yet.
    f.tick().await;
    assert_eq!(f.mails().len(), mails);

    // The reminder falls due (half the budget later): fire it as the clock does.
    let later = base_time() + chrono::Duration::minutes(20);
    let due: Vec<store::Timer> = store::next_timers(&f.roster.store, 1000)
        .unwrap()
        .into_iter()
        .filter(|t| t.invitation_id == invitation.invitation_id && t.due <= later)
        .collect();
    assert!(!due.is_empty(), "the reminder was set");
    for timer in due {
        let r = f.roster.clone();
        f.roster
            .store
            .transact::<_, HandleError, _>(move |tx| {
                r.fire(
                    tx,
                    &timer,
                    &crate::mobilisation::Alternates::default(),
                    later,
                )
            })
            .await
            .unwrap();
    }
    assert!(
        f.mails_to(erased.email.as_str()).is_empty(),
        "a reminder was queued for the erased address"
    );
    assert!(
        !f.events()
            .iter()
            .any(|e| matches!(e, Event::MemberReminded(r) if r.member_id == member.member_id)),
        "member.reminded was emitted for an erased member"
    );
}

/// An address may start with a sign a spreadsheet would run (`+`, `-`, `=`): the export defuses
/// it, and importing that export must still find the same member.
#[tokio::test]
async fn an_address_starting_with_a_sign_reads_back_as_the_same_member() {
    let f = fixture().await;
    let answer = f
        .json(
            "POST",
            "/api/v1/members",
            Some(r#"{"name": "News Desk", "email": "+news@m.test", "lines": ["secular"]}"#),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let csv = export(&f).await;
    let answer = import(&f, &csv).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json, json!({"rows": 8, "created": 0, "updated": 8}));
    assert_eq!(listed(&f, "").await.len(), 8);
}
