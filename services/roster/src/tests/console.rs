//! Roster's console pages in process: signing in, the members (list, search, add, edit, erase,
//! import, export) and the panels (why each member, inviting by hand) — each bad input answered
//! with a page that says what is wrong, nothing changed.

use super::*;
use axum::http::{HeaderMap, StatusCode, header};

/// Roster's public URL in the shipped configuration: where every redirect leads.
const PUBLIC: &str = "http://127.0.0.1:8082";

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers[header::LOCATION].to_str().unwrap()
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }

    /// The value of this page's first CSRF field.
    fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let at = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("a form with a CSRF field: {}", self.body))
            + marker.len();
        self.body[at..].split('"').next().unwrap().to_owned()
    }
}

async fn send(f: &Fixture, request: Request<Body>) -> Page {
    let router = api::routes(f.roster.clone()).merge(pages::routes(f.roster.clone()));
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    Page {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(f: &Fixture, path: &str, cookie: Option<&str>) -> Page {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    send(f, request.body(Body::empty()).unwrap()).await
}

async fn post(f: &Fixture, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Page {
    let body = serde_urlencoded::to_string(fields).unwrap();
    let mut request =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    send(f, request.body(Body::from(body)).unwrap()).await
}

/// Signs in through the sign-in form; the `Cookie` header to send after.
async fn sign_in(f: &Fixture, token: &str) -> String {
    let answer = post(
        f,
        "/console/sign-in",
        None,
        &[("token", token), ("next", "/console/members")],
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let set = answer.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("rrm_session="), "{set}");
    set.split(';').next().unwrap().to_owned()
}

/// As handlebars writes a value into HTML.
fn escaped(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#x27;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
    out
}

/// The roster as the export writes it: what "nothing changed" is compared against.
fn roster_csv(f: &Fixture) -> String {
    let members = store::all_members(&f.roster.store).unwrap();
    String::from_utf8(crate::domain::csv::write(&members).unwrap()).unwrap()
}

fn member(f: &Fixture, email: &str) -> Member {
    store::member_by_email(&f.roster.store, email)
        .unwrap()
        .unwrap_or_else(|| panic!("{email} is not on the roster"))
}

const NAMES: [&str; 7] = [
    "Amina Haddad",
    "David Levin",
    "Grace Okafor",
    "Léa Cohen",
    "Omar Said",
    "Ravi Menon",
    "Yusuf Demir",
];

/// The member form's fields as the edit page fills them in (every one; `active` ticked or not).
fn form_of(m: &Member, csrf: &str, active: bool) -> Vec<(String, String)> {
    let langs = |v: &[rrm_contracts::LanguageCode]| {
        v.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ")
    };
    let mut fields = vec![
        ("csrf".to_owned(), csrf.to_owned()),
        ("name".into(), m.name.clone()),
        ("title".into(), m.title.clone()),
        ("affiliation".into(), m.affiliation.clone()),
        ("email".into(), m.email.as_str().to_owned()),
        ("lines".into(), m.lines.join(", ")),
        ("languages_written".into(), langs(&m.languages_written)),
        ("languages_read".into(), langs(&m.languages_read)),
        ("topics".into(), m.topics.join(", ")),
        ("regions".into(), m.regions.join(", ")),
        ("time_zone".into(), m.time_zone.to_string()),
        (
            "on_leave_until".into(),
            m.on_leave_until.map(|d| d.to_string()).unwrap_or_default(),
        ),
    ];
    if active {
        fields.push(("active".into(), "on".into()));
    }
    fields
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn new_member<'a>(
    csrf: &'a str,
    name: &'a str,
    email: &'a str,
    lines: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("title", "Professor"),
        ("affiliation", "University of Tunis"),
        ("email", email),
        ("lines", lines),
        ("languages_written", "ar, fr"),
        ("languages_read", ""),
        ("topics", "religion"),
        ("regions", "europe"),
        ("time_zone", "Africa/Tunis"),
        ("on_leave_until", ""),
        ("active", "on"),
    ]
}

// ---------------------------------------------------------------------------------------------
// Members

#[tokio::test]
async fn the_members_pages_ask_to_sign_in_first() {
    let f = fixture().await;
    let before = roster_csv(&f);
    for path in [
        "/console/members",
        "/console/members/new",
        "/console/panels",
    ] {
        let page = get(&f, path, None).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            page.location()
                .starts_with(&format!("{PUBLIC}/console/sign-in?next=")),
            "{path}: {}",
            page.location()
        );
        assert!(!page.body.contains("Amina"));
    }
    let page = post(
        &f,
        "/console/members/new",
        None,
        &new_member("", "Nadia Karim", "nadia@m.test", "muslim"),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().contains("/console/sign-in"));
    // A wrong token does not sign in.
    let page = post(
        &f,
        "/console/sign-in",
        None,
        &[
            ("token", "not-a-token-0123456789abcdef"),
            ("next", "/console/members"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.headers.get(header::SET_COOKIE).is_none());
    assert_eq!(roster_csv(&f), before);
}

#[tokio::test]
async fn a_coordinator_lists_and_searches_the_members() {
    let f = fixture().await;
    let cookie = sign_in(&f, TOKEN).await;
    let page = get(&f, "/console/members", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mut at = 0;
    for name in NAMES {
        let found = page.body[at..]
            .find(&format!(">{name}</a>"))
            .unwrap_or_else(|| panic!("{name} is listed, in name order: {}", page.body));
        at += found;
    }
    assert!(
        page.body
            .contains(&format!(r#"href="{PUBLIC}/console/members/export""#))
    );

    let page = get(&f, "/console/members?q=okafor", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(">Grace Okafor</a>"), "{}", page.body);
    for name in NAMES.iter().filter(|n| **n != "Grace Okafor") {
        assert!(!page.body.contains(name), "{name} does not match");
    }
    assert!(
        page.body.contains(r#"value="okafor""#),
        "the search is kept"
    );

    let page = get(&f, "/console/members?line=jewish", Some(&cookie)).await;
    assert!(page.body.contains(">David Levin</a>") && page.body.contains(">Léa Cohen</a>"));
    assert!(!page.body.contains("Amina Haddad"));

    let page = get(&f, "/console/members?q=nobody-like-this", Some(&cookie)).await;
    assert!(page.body.contains("No member matches."));

    let page = get(&f, "/console/members?status=gone", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_add_form_names_each_bad_field_and_keeps_what_was_typed() {
    let f = fixture().await;
    let before = roster_csv(&f);
    let cookie = sign_in(&f, TOKEN).await;
    let form = get(&f, "/console/members/new", Some(&cookie)).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();

    let page = post(
        &f,
        "/console/members/new",
        Some(&cookie),
        &new_member(&csrf, "", "nadia@m.test", "muslim, martian"),
    )
    .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("Nothing was saved"), "{}", page.body);
    assert!(
        page.body
            .contains(r#"<span class="error" id="name-error">is required</span>"#),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            r#"<span class="error" id="lines-error">&quot;martian&quot; is not a configured line"#
        ),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains(r#"id="email-error""#),
        "the address was fine"
    );
    // What was typed is still there to correct.
    assert!(page.body.contains(r#"value="nadia@m.test""#));
    assert!(page.body.contains(r#"value="muslim, martian""#));
    assert!(page.body.contains(r#"value="University of Tunis""#));
    assert!(page.body.contains(r#"value="Africa/Tunis""#));

    // An address already on the roster, in another case.
    let page = post(
        &f,
        "/console/members/new",
        Some(&cookie),
        &new_member(&csrf, "Another Amina", "AMINA@M.TEST", "muslim"),
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains(r#"id="email-error">is the address of another member"#),
        "{}",
        page.body
    );
    assert_eq!(roster_csv(&f), before, "nothing added");
}

#[tokio::test]
async fn a_valid_member_is_added_and_shown() {
    let f = fixture().await;
    let cookie = sign_in(&f, TOKEN).await;
    let csrf = get(&f, "/console/members/new", Some(&cookie)).await.csrf();
    let page = post(
        &f,
        "/console/members/new",
        Some(&cookie),
        &new_member(&csrf, "Nadia Karim", "Nadia@M.Test", "Muslim, arab-world"),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let nadia = member(&f, "nadia@m.test");
    assert_eq!(
        page.location(),
        format!("{PUBLIC}/console/members/{}", nadia.member_id)
    );
    assert_eq!(nadia.lines, ["muslim", "arab-world"]);
    assert_eq!(nadia.languages_written.len(), 2);
    assert_eq!(nadia.time_zone, chrono_tz::Africa::Tunis);
    assert!(nadia.active);

    let shown = get(
        &f,
        &format!("/console/members/{}", nadia.member_id),
        Some(&cookie),
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        shown.body.contains(r#"<h1 dir="auto">Nadia Karim</h1>"#),
        "{}",
        shown.body
    );
    let list = get(&f, "/console/members", Some(&cookie)).await;
    assert!(list.body.contains(">Nadia Karim</a>"));
}

#[tokio::test]
async fn a_form_without_this_sessions_csrf_value_changes_nothing() {
    let f = fixture().await;
    let before = roster_csv(&f);
    let cookie = sign_in(&f, TOKEN).await;
    let amina = member(&f, "amina@m.test");
    let other = sign_in(&f, TOKEN).await;
    let foreign = get(&f, "/console/members/new", Some(&other)).await.csrf();
    for csrf in ["", "not-the-value", foreign.as_str()] {
        let page = post(
            &f,
            "/console/members/new",
            Some(&cookie),
            &new_member(csrf, "Nadia Karim", "nadia@m.test", "muslim"),
        )
        .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{csrf:?}");
        let fields = form_of(&amina, csrf, false);
        let page = post(
            &f,
            &format!("/console/members/{}", amina.member_id),
            Some(&cookie),
            &pairs(&fields),
        )
        .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let page = post(
            &f,
            &format!("/console/members/{}/erase", amina.member_id),
            Some(&cookie),
            &[("csrf", csrf), ("confirm", "yes")],
        )
        .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let page = post(
            &f,
            "/console/members/import",
            Some(&cookie),
            &[
                ("csrf", csrf),
                ("csv", "name,email,lines\nNadia Karim,nadia@m.test,muslim\n"),
            ],
        )
        .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(roster_csv(&f), before, "nothing changed");
}

#[tokio::test]
async fn unticking_active_deactivates_the_member() {
    let f = fixture().await;
    let cookie = sign_in(&f, TOKEN).await;
    let amina = member(&f, "amina@m.test");
    let path = format!("/console/members/{}", amina.member_id);
    let page = get(&f, &path, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"name="active" checked"#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="University of Beirut""#));

    let fields = form_of(&amina, &page.csrf(), false);
    let saved = post(&f, &path, Some(&cookie), &pairs(&fields)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), format!("{PUBLIC}{path}"));
    let after = member(&f, "amina@m.test");
    assert!(!after.active);
    assert_eq!(
        Member {
            active: true,
            updated_at: amina.updated_at,
            ..after
        },
        amina,
        "nothing else changed"
    );

    let page = get(&f, &path, Some(&cookie)).await;
    assert!(!page.body.contains(r#"name="active" checked"#));
    let list = get(&f, "/console/members", Some(&cookie)).await;
    assert!(!list.body.contains("Amina Haddad"), "{}", list.body);
    let list = get(&f, "/console/members?status=inactive", Some(&cookie)).await;
    assert!(list.body.contains(">Amina Haddad</a>"));
    assert!(list.body.contains("<td>inactive</td>"));

    // A bad value on the edit form keeps the member as they were.
    let before = roster_csv(&f);
    let mut fields = form_of(&member(&f, "amina@m.test"), &page.csrf(), true);
    fields.retain(|(k, _)| k != "time_zone");
    fields.push(("time_zone".into(), "Mars/Olympus".into()));
    let refused = post(&f, &path, Some(&cookie), &pairs(&fields)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("is not an IANA time zone"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(r#"value="Mars/Olympus""#));
    assert_eq!(roster_csv(&f), before);
}

#[tokio::test]
async fn erasing_needs_the_confirmation_box() {
    let f = fixture().await;
    let cookie = sign_in(&f, TOKEN).await;
    let amina = member(&f, "amina@m.test");
    let path = format!("/console/members/{}", amina.member_id);
    let page = get(&f, &path, Some(&cookie)).await;
    let csrf = page.csrf();
    let before = roster_csv(&f);

    let refused = post(
        &f,
        &format!("{path}/erase"),
        Some(&cookie),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("Nothing was changed"),
        "{}",
        refused.body
    );
    assert_eq!(roster_csv(&f), before);
    assert_eq!(member(&f, "amina@m.test"), amina);

    let erased = post(
        &f,
        &format!("{path}/erase"),
        Some(&cookie),
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(erased.status, StatusCode::SEE_OTHER, "{}", erased.body);
    assert_eq!(erased.location(), format!("{PUBLIC}{path}"));
    assert!(
        store::member_by_email(&f.roster.store, "amina@m.test")
            .unwrap()
            .is_none()
    );
    let page = get(&f, &path, Some(&cookie)).await;
    assert!(
        page.body.contains("This member was erased"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Amina") && !page.body.contains("amina@m.test"));
    assert!(
        !page.body.contains(r#"name="confirm""#),
        "no second erasure"
    );
    let list = get(&f, "/console/members?status=all", Some(&cookie)).await;
    assert!(!list.body.contains("Amina"));
    assert!(!roster_csv(&f).contains("amina@m.test"));
}

#[tokio::test]
async fn a_bad_import_shows_each_bad_row_and_imports_nothing() {
    let f = fixture().await;
    let before = roster_csv(&f);
    let cookie = sign_in(&f, TOKEN).await;
    let form = get(&f, "/console/members/import", Some(&cookie)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(&crate::domain::csv::COLUMNS.join(",")));
    let csrf = form.csrf();
    let csv = "name,email,lines\n\
               Nadia Karim,nadia@m.test,muslim\n\
               Sami Aziz,sami-at-m.test,secular\n\
               Omar Said,omar@m.test,martian\n";
    let page = post(
        &f,
        "/console/members/import",
        Some(&cookie),
        &[("csrf", &csrf), ("csv", csv)],
    )
    .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("Nothing was imported"));
    assert!(page.body.contains(r#"<table class="row-errors">"#));
    assert!(
        page.body.contains("<tr><td>3</td><td>email</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<tr><td>4</td><td>lines</td>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<tr><td>2</td>"), "line 2 was fine");
    assert!(
        page.body.contains("sami-at-m.test"),
        "the paste is kept to correct"
    );
    assert_eq!(roster_csv(&f), before, "nothing imported");

    let good = "name,email,lines\n\
                Nadia Karim,nadia@m.test,muslim\n\
                Omar Said,omar@m.test,muslim;secular\n";
    let page = post(
        &f,
        "/console/members/import",
        Some(&cookie),
        &[("csrf", &csrf), ("csv", good)],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("Imported 2 rows: 1 members added, 1 updated."),
        "{}",
        page.body
    );
    assert_eq!(member(&f, "nadia@m.test").name, "Nadia Karim");
    assert_eq!(member(&f, "omar@m.test").lines, ["muslim", "secular"]);
}

#[tokio::test]
async fn the_export_link_downloads_the_roster_as_csv() {
    let f = fixture().await;
    let cookie = sign_in(&f, TOKEN).await;
    let page = get(&f, "/console/members/export", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.content_type().starts_with("text/csv"),
        "{}",
        page.content_type()
    );
    assert!(
        page.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(
        page.body.lines().next().unwrap(),
        crate::domain::csv::COLUMNS.join(",")
    );
    assert_eq!(page.body, roster_csv(&f));
    for m in ["amina@m.test", "ravi@m.test", "Léa Cohen"] {
        assert!(page.body.contains(m), "{m}");
    }
}

// ---------------------------------------------------------------------------------------------
// Panels

#[tokio::test]
async fn a_panel_page_says_why_each_member_was_invited() {
    let f = fixture().await;
    let cookie = sign_in(&f, TOKEN).await;
    let empty = get(&f, "/console/panels", Some(&cookie)).await;
    assert!(empty.body.contains("No panel yet."));
    let alert = f.raise().await;

    let list = get(&f, "/console/panels", Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains(&format!(
            r#"<a href="{PUBLIC}/console/panels/{alert}">Holy book burned</a>"#
        )),
        "{}",
        list.body
    );

    let page = get(&f, &format!("/console/panels/{alert}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let panel = store::panel(&f.roster.store, alert).unwrap().unwrap();
    assert!(!panel.explanation.is_empty());
    assert!(
        page.body.contains(&format!(
            r#"<p class="explanation">{}</p>"#,
            escaped(&panel.explanation)
        )),
        "{}",
        page.body
    );
    let invitations = f.invitations(alert);
    assert!(!invitations.is_empty());
    for (inv, m) in &invitations {
        assert!(!inv.reasons.is_empty());
        let row = format!(
            "<td dir=\"auto\">{}</td>\n<td>{}</td>\n<td>pending</td>\n<td>{}</td>\n<td><small>{}</small></td>",
            escaped(&m.name),
            m.lines.join(", "),
            inv.score,
            escaped(&inv.reasons.join("; "))
        );
        assert!(page.body.contains(&row), "{row}\n{}", page.body);
    }
    assert!(page.body.contains("Invite a member by hand"));

    let missing = get(
        &f,
        &format!("/console/panels/{}", Uuid::now_v7()),
        Some(&cookie),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_member_is_invited_by_hand_from_the_panel_page() {
    let f = fixture().await;
    let cookie = sign_in(&f, TOKEN).await;
    let alert = f.raise().await;
    let path = format!("/console/panels/{alert}");
    let csrf = get(&f, &path, Some(&cookie)).await.csrf();
    let invited = f.invitations(alert);
    let mails = f.mails().len();

    let page = post(
        &f,
        &format!("{path}/invite"),
        Some(&cookie),
        &[("csrf", &csrf), ("email", "stranger@m.test")],
    )
    .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("No member has the address “stranger@m.test”. Nobody was invited."),
        "{}",
        page.body
    );
    assert_eq!(f.invitations(alert).len(), invited.len());
    assert_eq!(f.mails().len(), mails, "nobody was mailed");

    // Someone already invited is not invited twice.
    let (_, first) = &invited[0];
    let page = post(
        &f,
        &format!("{path}/invite"),
        Some(&cookie),
        &[("csrf", &csrf), ("email", first.email.as_str())],
    )
    .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.body.contains("was not invited"), "{}", page.body);
    assert_eq!(f.invitations(alert).len(), invited.len());
    assert_eq!(f.mails().len(), mails);

    let chosen: Vec<Uuid> = invited.iter().map(|(_, m)| m.member_id).collect();
    let other = store::all_members(&f.roster.store)
        .unwrap()
        .into_iter()
        .find(|m| !chosen.contains(&m.member_id))
        .expect("someone was not invited");
    let page = post(
        &f,
        &format!("{path}/invite"),
        Some(&cookie),
        &[("csrf", &csrf), ("email", other.email.as_str())],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), format!("{PUBLIC}{path}"));
    let now = f.invitations(alert);
    assert_eq!(now.len(), invited.len() + 1);
    let (inv, m) = now.last().unwrap();
    assert_eq!(m.member_id, other.member_id);
    assert_eq!(inv.invited_by.as_deref(), Some("admin desk"));
    assert_eq!(f.mails_to(other.email.as_str()).len(), 1);
    let page = get(&f, &path, Some(&cookie)).await;
    assert!(page.body.contains(&escaped(&other.name)));
    assert!(
        page.body.contains("<small>by admin desk</small>"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_reader_reads_panels_but_cannot_manage_members_or_invite() {
    let f = fixture().await;
    let alert = f.raise().await;
    let before = roster_csv(&f);
    let cookie = sign_in(&f, READER).await;
    let path = format!("/console/panels/{alert}");

    let list = get(&f, "/console/panels", Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Holy book burned"));
    let page = get(&f, &path, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<p class="explanation">"#));
    assert!(
        !page.body.contains("Invite a member by hand"),
        "no form to invite"
    );

    for members in [
        "/console/members",
        "/console/members/new",
        "/console/members/import",
        "/console/members/export",
    ] {
        let page = get(&f, members, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{members}");
        assert!(
            page.body.contains("roster:write"),
            "{members}: {}",
            page.body
        );
        assert!(!page.body.contains("amina@m.test"));
    }

    // The session's own CSRF value (from the sign-out form) does not make it allowed.
    let csrf = page.csrf();
    let invited = f.invitations(alert);
    let chosen: Vec<Uuid> = invited.iter().map(|(_, m)| m.member_id).collect();
    let other = store::all_members(&f.roster.store)
        .unwrap()
        .into_iter()
        .find(|m| !chosen.contains(&m.member_id))
        .expect("someone was not invited");
    let refused = post(
        &f,
        &format!("{path}/invite"),
        Some(&cookie),
        &[("csrf", &csrf), ("email", other.email.as_str())],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("alerts:write"));
    assert_eq!(f.invitations(alert).len(), invited.len());
    assert!(f.mails_to(other.email.as_str()).is_empty());

    let refused = post(
        &f,
        "/console/members/new",
        Some(&cookie),
        &new_member(&csrf, "Nadia Karim", "nadia@m.test", "muslim"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(roster_csv(&f), before, "nothing changed");
}

/// More members than a page holds: the next page's link shows the rest, each member once.
#[tokio::test]
async fn the_members_list_pages_through_a_large_roster() {
    let f = fixture().await;
    let mut csv = "name,email,lines\n".to_owned();
    for i in 0..50 {
        csv.push_str(&format!("Member {i:02},member{i:02}@m.test,secular\n"));
    }
    let report = api::members::import(&f.roster, csv.into_bytes())
        .await
        .unwrap();
    assert_eq!(report.created, 50);
    let cookie = sign_in(&f, TOKEN).await;

    let rows = |body: &str| -> Vec<String> {
        body.split("<tr data-member=\"")
            .skip(1)
            .map(|r| r.split('"').next().unwrap().to_owned())
            .collect()
    };
    let first = get(&f, "/console/members", Some(&cookie)).await;
    assert_eq!(first.status, StatusCode::OK);
    let mut seen = rows(&first.body);
    assert_eq!(seen.len(), 50);
    let marker = "/console/members?";
    let at = first
        .body
        .find(&format!("{PUBLIC}{marker}"))
        .unwrap_or_else(|| panic!("a next page link: {}", first.body));
    let href = first.body[at + PUBLIC.len()..].split('"').next().unwrap();
    assert!(first.body.contains(r#"rel="next">Next page</a>"#));
    let href = href.replace("&amp;", "&").replace("&#x3D;", "=");
    let second = get(&f, &href, Some(&cookie)).await;
    assert_eq!(second.status, StatusCode::OK, "{href}");
    let rest = rows(&second.body);
    assert_eq!(rest.len(), 7, "{href}");
    assert!(!second.body.contains(r#"rel="next""#), "the last page");
    seen.extend(rest);
    let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 57, "every member once");
}
