//! The console shell in process: a service's router with one console page, one console form and
//! one API route behind the session, driven with `oneshot`.

use super::*;
use axum::body::Body;
use axum::routing::get;
use http_body_util::BodyExt;
use rrm_contracts::{CoordinatorTokenIssued, CoordinatorTokenRevoked, Event};
use tower::ServiceExt;
use uuid::Uuid;

const TOKEN: &str = "desk-token-0123456789";
const PUBLIC: &str = "http://127.0.0.1:8082";

struct Harness {
    _dir: tempfile::TempDir,
    service: Service,
    console: Console,
}

/// A roster service on the shipped configuration, its store in a temporary folder.
fn harness() -> Harness {
    harness_with("")
}

/// [`harness`] with more settings (TOML) on top.
fn harness_with(extra: &str) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/default.toml"),
        config.join("default.toml"),
    )
    .unwrap();
    std::fs::write(
        config.join("test.toml"),
        format!(
            "[links]\nsecret = \"0123456789abcdef0123456789abcdef\"\n[storage]\ndata_dir = {:?}\n{extra}",
            dir.path().join("data")
        ),
    )
    .unwrap();
    let settings: crate::CommonSettings = crate::config::load_from(&config, "test").unwrap();
    let service = Service::open("roster", settings, &[]).unwrap();
    let console = Console::new(&service);
    Harness {
        _dir: dir,
        service,
        console,
    }
}

impl Harness {
    async fn issue(&self, token: &str) -> Uuid {
        let token_id = Uuid::now_v7();
        self.apply(Event::CoordinatorTokenIssued(CoordinatorTokenIssued {
            token_id,
            name: "Amira Haddad".into(),
            token_sha256: auth::token_hash(token),
            scopes: vec!["alerts:write".into()],
            expires_at: None,
        }))
        .await;
        token_id
    }

    async fn revoke(&self, token_id: Uuid) {
        self.apply(Event::CoordinatorTokenRevoked(CoordinatorTokenRevoked {
            token_id,
        }))
        .await;
    }

    async fn apply(&self, event: Event) {
        self.service
            .store
            .transact::<_, std::convert::Infallible, _>(move |tx| Ok(auth::apply(tx, &event)?))
            .await
            .unwrap();
    }

    fn app(&self) -> Router {
        #[derive(Deserialize)]
        struct Note {
            note: String,
        }
        Router::new()
            .route(
                "/console",
                get(|State(c): State<Console>, who: SignedIn| async move {
                    c.inner.pages.console_page(
                        StatusCode::OK,
                        "Home",
                        "_console_error",
                        &json!({"title": "Home", "message": format!("csrf={}", who.csrf())}),
                        &who.frame().refresh(30),
                    )
                }),
            )
            .route(
                "/console/notes",
                post(|form: ConsoleForm<Note>| async move { format!("noted {}", form.form.note) }),
            )
            .route(
                "/api/v1/things",
                get(|who: SignedIn| async move { who.coordinator.name }),
            )
            .with_state(self.console.clone())
            .merge(self.console.router())
    }

    async fn call(&self, request: axum::http::Request<Body>) -> (StatusCode, HeaderMap, String) {
        let response = self.app().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, HeaderMap, String) {
        let mut request = axum::http::Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.call(request.body(Body::empty()).unwrap()).await
    }

    async fn post(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &str,
    ) -> (StatusCode, HeaderMap, String) {
        let mut request = axum::http::Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.call(request.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    /// Signs in with `token` and returns the `Cookie` header value to send afterwards.
    async fn sign_in(&self, token: &str) -> String {
        let (status, headers, _) = self
            .post(SIGN_IN, None, &format!("token={token}&next=%2Fconsole"))
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let set = headers[header::SET_COOKIE].to_str().unwrap();
        set.split(';').next().unwrap().to_owned()
    }
}

fn location(headers: &HeaderMap) -> &str {
    headers[header::LOCATION].to_str().unwrap()
}

fn csrf_in(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).unwrap() + r#"name="csrf" value=""#.len();
    page[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_coordinator_signs_in_works_in_the_console_and_signs_out() {
    // Arrange
    let h = harness();
    h.issue(TOKEN).await;

    // Signed out, a console page sends to the sign-in page and back.
    let (status, headers, _) = h.get("/console?view=open", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&headers),
        format!("{PUBLIC}/console/sign-in?next=/console%3Fview%3Dopen")
    );

    // The form.
    let (status, _, page) = h.get("/console/sign-in?next=/console", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"name="token" autocomplete="off""#),
        "{page}"
    );
    assert!(page.contains(r#"value="/console""#));
    assert!(!page.contains("Sign out"));

    // A wrong token: the form again, 401, a clear message.
    let (status, headers, page) = h.post(SIGN_IN, None, "token=wrong&next=%2Fconsole").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.get(header::SET_COOKIE).is_none());
    assert!(page.contains("That token is not valid"), "{page}");

    // The right token: a cookie, and back where the coordinator was going.
    let (status, headers, _) = h
        .post(
            SIGN_IN,
            None,
            &format!("token={TOKEN}&next=%2Fconsole%3Fview%3Dopen"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("{PUBLIC}/console?view=open"));
    let set = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("rrm_session="), "{set}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.contains(attribute), "{set} lacks {attribute}");
    }
    assert!(!set.contains("Secure"), "the public URL is http");
    assert!(!set.contains(TOKEN));
    let cookie = set.split(';').next().unwrap().to_owned();

    // The console page, framed: navigation from the public URLs, who, sign-out, refresh.
    let (status, _, page) = h.get("/console", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Amira Haddad"));
    for (port, label) in [
        (8081, "Alerts"),
        (8082, "Roster"),
        (8083, "Drafting"),
        (8084, "Translation"),
        (8085, "Distribution"),
    ] {
        assert!(
            page.contains(&format!(r#"href="http://127.0.0.1:{port}/console""#)),
            "{label}: {page}"
        );
    }
    assert!(page.contains(r#"href="http://127.0.0.1:8082/console" aria-current="page""#));
    assert!(page.contains(r#"<meta http-equiv="refresh" content="30">"#));
    assert!(page.contains(&format!(r#"action="{PUBLIC}/console/sign-out""#)));
    let csrf = csrf_in(&page);

    // A console form: refused without the session's CSRF value, done with it.
    let (status, _, page) = h.post("/console/notes", Some(&cookie), "note=hi").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("Nothing was changed"));
    let (status, _, _) = h
        .post("/console/notes", Some(&cookie), "note=hi&csrf=AAAA")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = h
        .post(
            "/console/notes",
            Some(&cookie),
            &format!("note=hi&csrf={csrf}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "noted hi");

    // Sign-out is a POST with CSRF.
    let (status, headers, _) = h.post(SIGN_OUT, Some(&cookie), "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(headers.get(header::SET_COOKIE).is_none());
    let (status, headers, _) = h
        .post(SIGN_OUT, Some(&cookie), &format!("csrf={csrf}"))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("{PUBLIC}/console/sign-in"));
    let cleared = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.starts_with("rrm_session=;") && cleared.contains("Max-Age=0"));
}

#[tokio::test]
async fn a_forged_cookie_is_signed_out_for_pages_and_unauthorized_for_apis() {
    let h = harness();
    h.issue(TOKEN).await;
    let cookie = h.sign_in(TOKEN).await;
    let forged = format!("{cookie}x");

    let (status, headers, _) = h.get("/console", Some(&forged)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location(&headers).starts_with(&format!("{PUBLIC}/console/sign-in?next=")));

    let (status, headers, body) = h.get("/api/v1/things", Some(&forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["status"], 401);

    let (status, _, body) = h.get("/api/v1/things", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "Amira Haddad");
}

#[tokio::test]
async fn revoking_the_token_ends_its_sessions_at_once() {
    let h = harness();
    let token_id = h.issue(TOKEN).await;
    let cookie = h.sign_in(TOKEN).await;
    assert_eq!(h.get("/console", Some(&cookie)).await.0, StatusCode::OK);

    h.revoke(token_id).await;

    assert_eq!(
        h.get("/console", Some(&cookie)).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        h.post(SIGN_IN, None, &format!("token={TOKEN}")).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn sign_in_never_redirects_off_the_service() {
    let h = harness();
    h.issue(TOKEN).await;
    for next in [
        "https%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example",
        "%2F%5Cevil.example",
        "",
    ] {
        let (status, headers, _) = h
            .post(SIGN_IN, None, &format!("token={TOKEN}&next={next}"))
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location(&headers), format!("{PUBLIC}/console"), "{next}");
    }
}

#[tokio::test]
async fn behind_an_https_origin_the_cookie_is_secure_and_redirects_keep_the_prefix() {
    let h = harness_with(
        "[services.roster]\nbind = \"127.0.0.1:0\"\npublic_url = \"https://rrm.example.org/roster\"\n",
    );
    h.issue(TOKEN).await;

    let (_, headers, _) = h.get("/console", None).await;
    assert_eq!(
        location(&headers),
        "https://rrm.example.org/roster/console/sign-in?next=/console"
    );

    let (status, headers, _) = h
        .post(SIGN_IN, None, &format!("token={TOKEN}&next=%2Fconsole"))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "https://rrm.example.org/roster/console");
    let set = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.ends_with("; Secure"), "{set}");
}

#[tokio::test]
async fn a_service_without_pages_of_its_own_shows_its_status_to_coordinators_only() {
    let h = harness();
    h.issue(TOKEN).await;
    let cookie = h.sign_in(TOKEN).await;
    let shell = || h.console.shell();
    let get = |cookie: Option<&str>| {
        let mut request = axum::http::Request::get("/console");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::empty()).unwrap()
    };

    let response = shell().oneshot(get(None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let to = rrm_contracts::EmailAddress::parse("editor@example.org").unwrap();
    h.service
        .store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            let mail = crate::mail::NewMail {
                key: "k1".into(),
                to_name: "Layla Nasser".into(),
                to,
                subject: "جسور لا جدران".into(),
                text: "t".into(),
                html: None,
                language: None,
                correlation_id: None,
                tag: serde_json::Value::Null,
            };
            Ok(crate::mail::enqueue(tx, mail, "rrm.test")?)
        })
        .await
        .unwrap();
    let response = shell().oneshot(get(Some(&cookie))).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(page.contains("<h1>Roster: status</h1>"), "{page}");
    assert!(page.contains("not connected"), "{page}");
    assert!(page.contains("1 queued in all, 1 still to send"), "{page}");
    assert!(
        page.contains(r#"<td dir="auto">جسور لا جدران</td><td>queued</td>"#),
        "{page}"
    );
    assert!(page.contains(r#"aria-current="page">Roster</a>"#), "{page}");
}
