//! The console's pages in process: signing in, raising, reading and cancelling an alert, and
//! tokens — and every kind of bad input refused with a page, nothing stored.

use super::*;
use crate::pages;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::json;

/// The whole router as the service serves it: the API, the console and the body limit.
fn router(app: &App) -> axum::Router {
    rrm_platform::http::with_limits(
        api::routes(app.clone()).merge(pages::routes(app.clone()).unwrap()),
    )
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers[header::LOCATION].to_str().unwrap()
    }

    /// The value of this page's first CSRF field.
    fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let at = self.body.find(marker).expect("a form with a CSRF field") + marker.len();
        self.body[at..].split('"').next().unwrap().to_owned()
    }
}

async fn send(app: &App, request: Request<Body>) -> Answer {
    let response = router(app).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(app: &App, path: &str, cookie: Option<&str>) -> Answer {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    send(app, request.body(Body::empty()).unwrap()).await
}

async fn post_form(app: &App, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Answer {
    let body = serde_urlencoded::to_string(fields).unwrap();
    post_raw(app, path, cookie, body).await
}

async fn post_raw(app: &App, path: &str, cookie: Option<&str>, body: String) -> Answer {
    let mut request =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    send(app, request.body(Body::from(body)).unwrap()).await
}

/// Signs in through the sign-in form; returns the `Cookie` header to send after.
async fn sign_in(app: &App, token: &str) -> String {
    let answer = post_form(
        app,
        "/console/sign-in",
        None,
        &[("token", token), ("next", "/console")],
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let set = answer.headers[header::SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

/// Intake's public URL in the shipped configuration: where every link and redirect leads.
const PUBLIC: &str = "http://127.0.0.1:8081";

const ARABIC_TITLE: &str = "حرق كتاب مقدس في مالمو";

fn raise_fields<'a>(csrf: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("title", title),
        ("summary", "A holy book was burned in a public square."),
        ("regions", "europe, middle-east"),
        ("topics", "religion, media"),
        ("severity", "high"),
        ("languages", "ar, en"),
        ("deadline", ""),
        ("dedup_key", ""),
    ]
}

/// Raises an alert through the form; returns its id.
async fn raise_through_form(app: &App, cookie: &str, title: &str) -> String {
    let form = get(app, "/console/alerts/new", Some(cookie)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = form.csrf();
    let answer = post_form(
        app,
        "/console/alerts/new",
        Some(cookie),
        &raise_fields(&csrf, title),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let location = answer.location();
    location
        .strip_prefix(&format!("{PUBLIC}/console/alerts/"))
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

fn alerts_stored(app: &App) -> usize {
    emitted(app, "alert.raised").len()
}

#[tokio::test]
async fn a_coordinator_raises_an_alert_from_the_form_and_reads_its_stages() {
    // Arrange
    let (_dir, app) = app().await;
    let cookie = sign_in(&app, TOKEN).await;

    // Act
    let id = raise_through_form(&app, &cookie, ARABIC_TITLE).await;
    let page = get(
        &app,
        &format!("/console/alerts/{id}?notice=raised"),
        Some(&cookie),
    )
    .await;

    // Assert
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!(
            r#"<h1 id="alert-title" dir="auto">{ARABIC_TITLE}</h1>"#
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"<ol class="stages">"#));
    assert!(
        page.body
            .contains(r#"data-stage="mobilisation" data-state="running""#)
    );
    assert!(
        page.body
            .contains(r#"data-stage="distribution" data-state="waiting""#)
    );
    assert!(page.body.contains("The alert is raised"));
    assert!(
        page.body
            .contains(r#"<meta http-equiv="refresh" content="10">"#)
    );
    assert!(page.body.contains("Budget 30 min"), "{}", page.body);
    assert!(
        !page.body.contains("T0"),
        "no raw RFC 3339 times: {}",
        page.body
    );
    assert_eq!(alerts_stored(&app), 1);
    let raised = &emitted(&app, "alert.raised")[0];
    assert_eq!(raised.payload["title"], ARABIC_TITLE);
    assert_eq!(raised.payload["languages"], json!(["ar", "en"]));
    assert_eq!(raised.payload["regions"], json!(["europe", "middle-east"]));

    let list = get(&app, "/console", Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains(&format!(
            r#"<a href="{PUBLIC}/console/alerts/{id}" dir="auto">{ARABIC_TITLE}</a>"#
        )),
        "{}",
        list.body
    );
    assert!(
        list.body
            .contains(r#"<meta http-equiv="refresh" content="30">"#)
    );
    assert!(
        list.body
            .contains(&format!(r#"href="{PUBLIC}/console/alerts/new""#))
    );
}

#[tokio::test]
async fn raising_the_same_event_again_opens_the_existing_alert_with_a_notice() {
    let (_dir, app) = app().await;
    let cookie = sign_in(&app, TOKEN).await;
    let first = raise_through_form(&app, &cookie, "Riots after a burning").await;

    let form = get(&app, "/console/alerts/new", Some(&cookie)).await;
    let answer = post_form(
        &app,
        "/console/alerts/new",
        Some(&cookie),
        &raise_fields(&form.csrf(), "Riots after a burning"),
    )
    .await;

    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        answer.location(),
        format!("{PUBLIC}/console/alerts/{first}?notice=duplicate")
    );
    let page = get(&app, answer.location(), Some(&cookie)).await;
    assert!(
        page.body.contains("no new alert was raised"),
        "{}",
        page.body
    );
    assert_eq!(alerts_stored(&app), 1);
}

#[tokio::test]
async fn bad_fields_come_back_with_a_message_each_and_the_values_kept() {
    let (_dir, app) = app().await;
    let cookie = sign_in(&app, TOKEN).await;
    let csrf = get(&app, "/console/alerts/new", Some(&cookie)).await.csrf();
    let long_title = "x".repeat(201);

    let mut fields = raise_fields(&csrf, &long_title);
    fields.retain(|(k, _)| !matches!(*k, "languages" | "deadline"));
    fields.push(("languages", "ar, tlh"));
    fields.push(("deadline", "next tuesday"));
    let answer = post_form(&app, "/console/alerts/new", Some(&cookie), &fields).await;

    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = &answer.body;
    assert!(page.contains(r#"id="title-error""#), "{page}");
    assert!(page.contains("must be 1 to 200 characters"));
    assert!(page.contains(r#"id="languages-error""#));
    assert!(page.contains("is not a supported language"), "{page}");
    assert!(page.contains(r#"id="deadline-error""#));
    assert!(page.contains("must be a date and time in UTC"));
    assert!(
        page.contains(r#"value="ar, tlh""#),
        "the languages typed are kept"
    );
    assert!(page.contains(r#"value="next tuesday""#));
    assert!(page.contains(r#"value="europe, middle-east""#));
    assert!(
        page.contains(r#"name="csrf""#),
        "the form can be sent again"
    );
    assert_eq!(alerts_stored(&app), 0, "nothing stored");

    // A deadline already past is the deadline's problem too.
    let mut fields = raise_fields(&csrf, "A past deadline");
    fields.retain(|(k, _)| *k != "deadline");
    fields.push(("deadline", "2020-01-01T10:00"));
    let answer = post_form(&app, "/console/alerts/new", Some(&cookie), &fields).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.body.contains("must be in the future"),
        "{}",
        answer.body
    );
    assert_eq!(alerts_stored(&app), 0);
}

#[tokio::test]
async fn an_oversize_form_is_refused_and_nothing_is_stored() {
    let (_dir, app) = app().await;
    let cookie = sign_in(&app, TOKEN).await;
    let csrf = get(&app, "/console/alerts/new", Some(&cookie)).await.csrf();

    // A summary over its 5000 characters: the field says so.
    let long = "word ".repeat(1200);
    let mut fields = raise_fields(&csrf, "An oversize summary");
    fields.retain(|(k, _)| *k != "summary");
    fields.push(("summary", &long));
    let answer = post_form(&app, "/console/alerts/new", Some(&cookie), &fields).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.body.contains(r#"id="summary-error""#),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("must be 1 to 5000 characters"));

    // A body over the service's limit is not read at all.
    let huge = "x".repeat(rrm_platform::http::BODY_LIMIT + 1);
    let body = format!("csrf={csrf}&title=t&summary={huge}&severity=high");
    let answer = post_raw(&app, "/console/alerts/new", Some(&cookie), body).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(alerts_stored(&app), 0);
}

#[tokio::test]
async fn a_form_without_this_sessions_csrf_value_is_refused_and_nothing_is_stored() {
    let (_dir, app) = app().await;
    let cookie = sign_in(&app, TOKEN).await;
    let other = sign_in(&app, TOKEN).await;
    let foreign = get(&app, "/console/alerts/new", Some(&other)).await.csrf();

    for csrf in ["", "forged", foreign.as_str()] {
        let answer = post_form(
            &app,
            "/console/alerts/new",
            Some(&cookie),
            &raise_fields(csrf, "Forged"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "csrf {csrf:?}");
        assert!(
            answer.body.contains("This form has expired"),
            "{}",
            answer.body
        );
    }
    let mut fields = raise_fields("", "Forged");
    fields.remove(0);
    let answer = post_form(&app, "/console/alerts/new", Some(&cookie), &fields).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "no csrf field at all");
    assert_eq!(alerts_stored(&app), 0);

    // Cancelling and revoking are held to the same.
    let id = raise_through_form(&app, &cookie, "A real alert").await;
    let answer = post_form(
        &app,
        &format!("/console/alerts/{id}/cancel"),
        Some(&cookie),
        &[("csrf", "forged"), ("reason", "test")],
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(emitted(&app, "alert.cancelled").is_empty());
}

#[tokio::test]
async fn a_forged_or_tampered_session_cookie_is_sent_to_sign_in() {
    let (_dir, app) = app().await;
    let cookie = sign_in(&app, TOKEN).await;
    let (name, value) = cookie.split_once('=').unwrap();
    let mut tampered = value.to_owned();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });

    for bad in [
        format!("{name}={tampered}"),
        format!("{name}=not-a-session"),
        format!("{name}={}", value.replacen('.', "x.", 1)),
    ] {
        for path in ["/console", "/console/alerts/new", "/console/tokens"] {
            let answer = get(&app, path, Some(&bad)).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path} with {bad}");
            assert!(
                answer.location().contains("/console/sign-in?next="),
                "{}",
                answer.location()
            );
        }
        let answer = post_form(
            &app,
            "/console/alerts/new",
            Some(&bad),
            &raise_fields("x", "Forged session"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(alerts_stored(&app), 0);
}

#[tokio::test]
async fn a_revoked_or_expired_token_signs_its_sessions_out() {
    let (_dir, app) = app().await;
    let cookie = sign_in(&app, TOKEN).await;
    // An admin issues a token through the tokens page and signs in with it.
    let tokens = get(&app, "/console/tokens", Some(&cookie)).await;
    let created = post_form(
        &app,
        "/console/tokens",
        Some(&cookie),
        &[
            ("csrf", tokens.csrf().as_str()),
            ("name", "Night desk"),
            ("scopes", "alerts:read"),
            ("scopes", "alerts:write"),
            ("expires_at", ""),
        ],
    )
    .await;
    let secret = secret_in(&created.body);
    let desk = sign_in(&app, &secret).await;
    assert_eq!(
        get(&app, "/console", Some(&desk)).await.status,
        StatusCode::OK
    );
    let token_id = token_id_named(&app, "Night desk").await;

    let list = get(&app, "/console/tokens", Some(&cookie)).await;
    let revoked = post_form(
        &app,
        &format!("/console/tokens/{token_id}/revoke"),
        Some(&cookie),
        &[("csrf", list.csrf().as_str())],
    )
    .await;

    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    let answer = get(&app, "/console", Some(&desk)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "revoked: signed out");
    assert!(answer.location().contains("/console/sign-in"));
    assert_eq!(emitted(&app, "coordinator.token_revoked").len(), 1);

    // A token that expires ends its sessions when it does.
    let expiring = format!("expiring-token-{}", uuid::Uuid::now_v7().simple());
    let event =
        rrm_contracts::Event::CoordinatorTokenIssued(rrm_contracts::CoordinatorTokenIssued {
            token_id: uuid::Uuid::now_v7(),
            name: "short shift".into(),
            token_sha256: rrm_platform::auth::token_hash(&expiring),
            scopes: vec!["alerts:read".into()],
            expires_at: Some(chrono::Utc::now() + Duration::seconds(2)),
        });
    apply_credential(&app, event).await;
    let short = sign_in(&app, &expiring).await;
    assert_eq!(
        get(&app, "/console", Some(&short)).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let answer = get(&app, "/console", Some(&short)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "expired: signed out");
}

fn secret_in(page: &str) -> String {
    let marker = r#"<code class="hash" id="new-token">"#;
    let at = page.find(marker).expect("the new token on the page") + marker.len();
    page[at..].split('<').next().unwrap().to_owned()
}

async fn token_id_named(app: &App, name: &str) -> String {
    let tokens = app.service.store.read(store::all_tokens).await.unwrap();
    tokens
        .iter()
        .find(|t| t.name == name)
        .unwrap()
        .token_id
        .to_string()
}

#[tokio::test]
async fn an_admin_issues_a_token_seen_once_and_lists_it_without_its_secret() {
    let (_dir, app) = app().await;
    let cookie = sign_in(&app, TOKEN).await;
    let page = get(&app, "/console/tokens", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("bootstrap coordinator"));
    assert!(
        page.body.contains(&format!(
            r#"<form method="post" action="{PUBLIC}/console/tokens/"#
        )),
        "a revoke button, under intake's public URL: {}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"type="checkbox" name="scopes" value="alerts:write""#)
    );

    // Refused: no name, an unknown scope, an expiry that is not a time — nothing issued.
    let refused = post_form(
        &app,
        "/console/tokens",
        Some(&cookie),
        &[
            ("csrf", page.csrf().as_str()),
            ("name", ""),
            ("scopes", "alerts:delete"),
            ("expires_at", "soon"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["name-error", "scopes-error", "expires_at-error"] {
        assert!(refused.body.contains(field), "{field}: {}", refused.body);
    }
    assert!(
        emitted(&app, "coordinator.token_issued").len() == 1,
        "only the bootstrap token"
    );

    let created = post_form(
        &app,
        "/console/tokens",
        Some(&cookie),
        &[
            ("csrf", page.csrf().as_str()),
            ("name", "Reader"),
            ("scopes", "alerts:read"),
            ("expires_at", "2099-01-01T00:00"),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let secret = secret_in(&created.body);
    assert_eq!(secret.len(), 43);
    assert!(created.body.contains("shown only this once"));

    let list = get(&app, "/console/tokens", Some(&cookie)).await;
    assert!(list.body.contains("Reader"));
    assert!(
        !list.body.contains(&secret),
        "the secret is never shown again"
    );

    // The reader may read but not raise, cancel or manage tokens: clear 403 pages.
    let reader = sign_in(&app, &secret).await;
    let new = get(&app, "/console/alerts/new", Some(&reader)).await;
    assert_eq!(new.status, StatusCode::FORBIDDEN);
    assert!(new.body.contains("alerts:write"), "{}", new.body);
    assert!(!new.body.contains(r#"name="title""#));
    let tokens = get(&app, "/console/tokens", Some(&reader)).await;
    assert_eq!(tokens.status, StatusCode::FORBIDDEN);
    let list = get(&app, "/console", Some(&reader)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("Raise an alert"));
    let csrf = list.csrf();
    let answer = post_form(
        &app,
        "/console/alerts/new",
        Some(&reader),
        &raise_fields(&csrf, "Not mine to raise"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(alerts_stored(&app), 0);
    let id = raise_through_form(&app, &cookie, "Someone else's alert").await;
    let page = get(&app, &format!("/console/alerts/{id}"), Some(&reader)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Cancel the alert"));
}

#[tokio::test]
async fn a_coordinator_cancels_an_alert_from_its_page_for_a_reason() {
    let (_dir, app) = app().await;
    let cookie = sign_in(&app, TOKEN).await;
    let id = raise_through_form(&app, &cookie, "Raised by mistake").await;
    let page = get(&app, &format!("/console/alerts/{id}"), Some(&cookie)).await;
    assert!(
        page.body
            .contains(&format!(r#"action="{PUBLIC}/console/alerts/{id}/cancel""#))
    );
    let path = format!("/console/alerts/{id}/cancel");

    let no_reason = post_form(
        &app,
        &path,
        Some(&cookie),
        &[("csrf", page.csrf().as_str()), ("reason", "  ")],
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason.body.contains(r#"id="reason-error""#),
        "{}",
        no_reason.body
    );
    assert!(emitted(&app, "alert.cancelled").is_empty());

    let done = post_form(
        &app,
        &path,
        Some(&cookie),
        &[("csrf", page.csrf().as_str()), ("reason", "a drill")],
    )
    .await;

    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = get(&app, done.location(), Some(&cookie)).await;
    assert!(
        page.body.contains(r#"data-status="cancelled""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("a drill"));
    assert!(
        page.body
            .contains(r#"data-stage="mobilisation" data-state="cancelled""#)
    );
    assert!(
        !page.body.contains("http-equiv=\"refresh\""),
        "a cancelled alert stops reloading"
    );
    assert!(!page.body.contains("Cancel the alert"));
    assert_eq!(emitted(&app, "alert.cancelled").len(), 1);

    let again = post_form(
        &app,
        &path,
        Some(&cookie),
        &[("csrf", page.csrf().as_str()), ("reason", "again")],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(emitted(&app, "alert.cancelled").len(), 1);
}

#[tokio::test]
async fn unknown_and_malformed_alert_ids_get_readable_pages() {
    let (_dir, app) = app().await;
    let cookie = sign_in(&app, TOKEN).await;

    let unknown = get(
        &app,
        &format!("/console/alerts/{}", uuid::Uuid::now_v7()),
        Some(&cookie),
    )
    .await;
    let malformed = get(&app, "/console/alerts/not-an-id", Some(&cookie)).await;

    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("No such alert"));
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(malformed.body.contains("does not name an alert"));
    assert!(
        malformed.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn the_list_pages_filters_and_marks_overdue_alerts() {
    let (_dir, app) = app().await;
    let cookie = sign_in(&app, TOKEN).await;
    // One alert whose deadline (and so its first stage's due time) is a second away.
    let soon = (chrono::Utc::now() + Duration::seconds(1)).to_rfc3339();
    let body = json!({ "title": "Late one", "summary": "s", "severity": "low", "deadline": soon });
    let (status, _, _) = post(&app, Some(TOKEN), &body.to_string()).await;
    assert_eq!(status, 201);
    for i in 0..26 {
        let body = json!({ "title": format!("Event {i}"), "summary": "s", "severity": "low" });
        post(&app, Some(TOKEN), &body.to_string()).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let first = get(&app, "/console", Some(&cookie)).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("Event 25"));
    assert!(!first.body.contains("Late one"), "25 a page");
    // Handlebars escapes `=` and `&` in the link; the browser reads them back.
    let end = first
        .body
        .find(r#"" rel="next""#)
        .expect("a next page link");
    let start = first.body[..end].rfind('"').unwrap() + 1;
    let next = first.body[start..end]
        .replace("&#x3D;", "=")
        .replace("&amp;", "&");
    assert!(
        next.starts_with(&format!("{PUBLIC}/console?cursor=")),
        "{next}"
    );
    let second = get(&app, &next, Some(&cookie)).await;
    assert!(second.body.contains("Late one"), "{}", second.body);
    assert!(second.body.contains(r#"class="overdue""#));
    assert!(
        second
            .body
            .contains(r#"<strong class="overdue">overdue</strong>"#)
    );

    let overdue = get(
        &app,
        "/console?status=open&overdue=true&since=",
        Some(&cookie),
    )
    .await;
    assert!(overdue.body.contains("Late one"));
    assert!(!overdue.body.contains("Event 3"));
    assert!(
        overdue.body.contains(r#"<option value="true" selected>"#),
        "{}",
        overdue.body
    );

    let bad = get(
        &app,
        "/console?overdue=maybe&since=yesterday",
        Some(&cookie),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains(r#"id="overdue-error""#));
    assert!(bad.body.contains(r#"id="since-error""#));
}
