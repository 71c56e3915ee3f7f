//! Translation in process, without a broker: events go in as the consumer delivers them (twice:
//! a redelivery must change nothing), what the service would publish is read from its outbox,
//! e-mails from its mail queue, and pages and the API are called through its router. Providers
//! are real HTTP servers on loopback speaking LibreTranslate's and DeepL's protocols.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::domain::Job;
use crate::providers::ProviderSettings;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{Duration, Utc};
use rrm_bus::{HandleError, Handler};
use rrm_contracts::{
    CoordinatorTokenIssued, Envelope, Event, LanguageCode, OpedApproved, Signatory,
    TranslationCompleted, TranslationFailed, TranslationMethod,
};
use rrm_devtools::pseudo;
use rrm_platform::mail::OutgoingMail;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use tower::ServiceExt;
use uuid::Uuid;

mod chain;
mod jobs;
mod translators;

/// An admin coordinator's token.
pub const TOKEN: &str = "translation-admin-token-for-tests-0123456789";
/// A token with `alerts:read` only.
pub const READER: &str = "translation-reader-token-for-tests-0123456789";

pub fn approved() -> OpedApproved {
    OpedApproved {
        alert_id: Uuid::now_v7(),
        oped_id: Uuid::now_v7(),
        title: "Burning a holy book burns bridges".into(),
        body: "Whatever the law allows, contempt is not an argument.".into(),
        source_language: LanguageCode::parse("en").unwrap(),
        target_languages: ["ar", "en", "es", "fr", "ru", "zh"]
            .iter()
            .map(|l| LanguageCode::parse(l).unwrap())
            .collect(),
        version_hash: "ab".repeat(32),
        signatories: vec![Signatory {
            member_id: Uuid::now_v7(),
            name: "Amina Haddad".into(),
            line: "Muslim".into(),
            signs_as: String::new(),
            signed_at: Utc::now(),
        }],
        embargo_until: None,
        standfirst: "Four faiths answer one provocation.".into(),
        manifest: Some(rrm_contracts::SignedManifest {
            manifest: "{}".into(),
            signature: String::new(),
            key_id: "0123456789abcdef".into(),
            url: "https://rrm.example.org/drafting/manifests/x/ab.json".into(),
            public_key_url: "https://rrm.example.org/drafting/keys/0123456789abcdef.pem".into(),
        }),
    }
}

/// A pseudo LibreTranslate server on a free loopback port; returns its base URL.
pub async fn provider_server(options: pseudo::Options) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, pseudo::router(options)).await });
    url
}

/// Translation settings with `providers` (kind, url) on loopback, quick to give up.
fn settings(providers: &[(&str, &str)]) -> TranslationSettings {
    TranslationSettings {
        providers: providers
            .iter()
            .map(|(kind, url)| ProviderSettings {
                kind: if *kind == "deepl" {
                    providers::ProviderKind::Deepl
                } else {
                    providers::ProviderKind::Libretranslate
                },
                url: (*url).to_owned(),
                api_key: Some("k3y".to_owned().into()),
                api_key_env: None,
                concurrency: 4,
                formality: None,
                glossary_id: None,
            })
            .collect(),
        allowed_hosts: vec!["127.0.0.1".into()],
        connect_timeout_ms: 500,
        request_timeout_ms: 2000,
        concurrency: 4,
        max_response_bytes: 64 * 1024,
        max_attempts: 3,
        breaker_failures: 2,
        breaker_cooldown: std::time::Duration::from_millis(300),
        budget: std::time::Duration::from_secs(60),
        protected_terms: vec!["Interfaith Council".into()],
        policy: PolicySettings::default(),
        offer_ttl: std::time::Duration::from_secs(600),
        coordinators_mail_to: Vec::new(),
        clock_tick: std::time::Duration::from_secs(1),
    }
}

/// An answer: status, headers, body.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers[header::LOCATION].to_str().unwrap()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// Translation on a configuration of its own (the shipped defaults, then `extra` TOML added
/// to `[translation]`), with its clock under the test's hand and two coordinator tokens known.
pub struct Fixture {
    /// The configuration and the store, removed with the fixture.
    _dir: tempfile::TempDir,
    pub app: Translation,
    /// Milliseconds the fixture's clock is ahead of the real one.
    pub offset: Arc<AtomicI64>,
}

/// The `[[translation.providers]]` entries for `providers` (kind, url).
pub fn providers_toml(providers: &[(&str, &str)]) -> String {
    providers
        .iter()
        .map(|(kind, url)| {
            let key = if *kind == "deepl" {
                "api_key = \"k3y\"\n"
            } else {
                ""
            };
            format!("[[translation.providers]]\nkind = \"{kind}\"\nurl = \"{url}\"\n{key}")
        })
        .collect()
}

impl Fixture {
    /// `extra` is TOML inside `[translation]`; `tables` TOML after it (sub-tables, providers).
    pub async fn new(extra: &str, tables: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        let mut default = std::fs::read_to_string(config.join("default.toml")).unwrap();
        // The shipped provider list is replaced by the test's own.
        let at = default.find("\n[[translation.providers]]\n").unwrap() + 1;
        let end = default[at..]
            .find("\n\n[")
            .map_or(default.len(), |e| at + e + 2);
        default.replace_range(at..end, "");
        std::fs::write(dir.path().join("default.toml"), default).unwrap();
        let data = dir.path().join("data");
        std::fs::write(
            dir.path().join("test.toml"),
            format!(
                "[links]\nsecret = \"0123456789abcdef0123456789abcdef\"\n[storage]\ndata_dir = {:?}\n\
                 [translation]\nconnect_timeout_ms = 500\nrequest_timeout_ms = 2000\nbreaker_failures = 50\n\
                 coordinators_mail_to = [\"Desk <desk@coordinators.test>\"]\n{extra}\n{tables}\n",
                data.display().to_string()
            ),
        )
        .unwrap();
        let offset = Arc::new(AtomicI64::new(0));
        let app = Self::open(dir.path(), offset.clone());
        for (token, scopes) in [(TOKEN, vec!["admin"]), (READER, vec!["alerts:read"])] {
            let event = Event::CoordinatorTokenIssued(CoordinatorTokenIssued {
                token_id: Uuid::now_v7(),
                name: format!("{} desk", scopes[0]),
                token_sha256: rrm_platform::auth::token_hash(token),
                scopes: scopes.into_iter().map(String::from).collect(),
                expires_at: None,
            });
            app.store
                .transact::<_, std::convert::Infallible, _>(move |tx| {
                    Ok(rrm_platform::auth::apply(tx, &event)?)
                })
                .await
                .unwrap();
        }
        Fixture {
            _dir: dir,
            app,
            offset,
        }
    }

    /// Translation on the configuration in `dir`: what a restart finds.
    pub fn open(dir: &std::path::Path, offset: Arc<AtomicI64>) -> Translation {
        let settings: Settings = rrm_platform::config::load_from(dir, "test").unwrap();
        let service = Service::open(SERVICE, settings.common, store::TREES).unwrap();
        let now: Now =
            Arc::new(move || Utc::now() + Duration::milliseconds(offset.load(Ordering::SeqCst)));
        Translation::new(&service, settings.translation, now).unwrap()
    }

    /// Moves the fixture's clock `by` ahead, then fires the timers due.
    pub async fn advance(&self, by: Duration) {
        self.offset
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
        rrm_platform::clock::fire_due(&self.app).await.unwrap();
    }

    /// Delivers an event as the bus does, twice: a redelivery must change nothing.
    pub async fn deliver(&self, event: Event) {
        let envelope = Envelope::new(&event, "drafting", None, None);
        for _ in 0..2 {
            let (app, envelope, event) = (self.app.clone(), envelope.clone(), event.clone());
            self.app
                .store
                .transact::<_, HandleError, _>(move |tx| {
                    if !tx.mark_handled(envelope.id)? {
                        return Ok(());
                    }
                    app.handle(tx, &envelope, &event, &None)
                })
                .await
                .unwrap();
        }
    }

    /// Runs the machine worker until no job in the machine stage is due (at most 30 s).
    pub async fn machine(&self) {
        let stop = tokio_util::sync::CancellationToken::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while machine::work_due(&self.app, &stop).await > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "machine jobs still due after 30 s"
            );
        }
    }

    pub fn job(&self, oped: Uuid, language: &str) -> Job {
        store::job(&self.app.store, &format!("{oped}:{language}"))
            .unwrap()
            .unwrap()
    }

    /// Every event in the outbox, in order.
    pub fn events(&self) -> Vec<Event> {
        self.app
            .store
            .outbox_batch(10_000)
            .unwrap()
            .into_iter()
            .map(|(_, e)| e.decode().unwrap())
            .collect()
    }

    /// `translation.completed` events, by language.
    pub fn completed(&self) -> BTreeMap<String, Vec<TranslationCompleted>> {
        let mut by_language: BTreeMap<String, Vec<TranslationCompleted>> = BTreeMap::new();
        for event in self.events() {
            if let Event::TranslationCompleted(t) = event {
                by_language
                    .entry(t.language.as_str().to_owned())
                    .or_default()
                    .push(t);
            }
        }
        by_language
    }

    pub fn failed(&self) -> Vec<TranslationFailed> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::TranslationFailed(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    /// Every queued e-mail, oldest first.
    pub fn mails(&self) -> Vec<OutgoingMail> {
        let mut mails: Vec<OutgoingMail> = self
            .app
            .store
            .scan::<OutgoingMail>(rrm_platform::mail::TREE, b"")
            .unwrap()
            .map(|m| m.unwrap().1)
            .collect();
        mails.sort_by_key(|m| m.created_at);
        mails
    }

    /// The mails to `address`.
    pub fn mails_to(&self, address: &str) -> Vec<OutgoingMail> {
        self.mails()
            .into_iter()
            .filter(|m| m.mail.to.as_str() == address)
            .collect()
    }

    pub async fn send(&self, request: Request<Body>) -> Page {
        let router = api::routes(self.app.clone()).merge(pages::routes(self.app.clone()));
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

    /// A GET with a session cookie when given.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Page {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// A form POST with a session cookie when given.
    pub async fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).unwrap();
        let mut request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// An API call with a bearer token and a JSON (or raw) body.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: &str,
        content_type: &str,
        body: impl Into<Body>,
    ) -> Page {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .unwrap();
        self.send(request).await
    }

    /// Signs in to the console with `token`; the `Cookie` header to send after.
    pub async fn sign_in(&self, token: &str) -> String {
        let answer = self
            .post(
                "/console/sign-in",
                None,
                &[("token", token), ("next", "/console")],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        let set = answer.headers[header::SET_COOKIE].to_str().unwrap();
        set.split(';').next().unwrap().to_owned()
    }

    /// The console session's CSRF value, read from a console page.
    pub async fn console_csrf(&self, cookie: &str) -> String {
        let page = self.get("/console", Some(cookie)).await;
        hidden(&page.body, "csrf")
    }
}

/// The value of the hidden field `name` in `html`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("a hidden {name} field: {html}"))
        + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

#[test]
fn retries_back_off_to_two_minutes() {
    use machine::retry_delay;
    assert_eq!(retry_delay(1).num_seconds(), 1);
    assert_eq!(retry_delay(2).num_seconds(), 2);
    assert_eq!(retry_delay(30).num_seconds(), 120);
}

#[test]
fn the_shipped_configurations_start_with_their_providers() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    #[derive(Deserialize)]
    struct Only {
        translation: TranslationSettings,
    }
    for environment in ["local", "production"] {
        let settings: Only = rrm_platform::config::load_from(&dir, environment).unwrap();
        assert_eq!(settings.translation.providers.len(), 1, "{environment}");
        assert!(settings.translation.providers().is_ok(), "{environment}");
        assert_eq!(settings.translation.budget.as_secs(), 7200);
    }
}

#[test]
fn providers_given_by_indexed_environment_variables_are_read_in_order() {
    // What the configuration library makes of RRM_TRANSLATION__PROVIDERS__<i>__<KEY>.
    let value = serde_json::json!({
        "1": {"kind": "deepl", "url": "http://127.0.0.1:2", "api_key": "k"},
        "0": {"kind": "libretranslate", "url": "http://127.0.0.1:1"},
    });
    let providers = providers::deserialize_providers(value).unwrap();
    assert_eq!(providers.len(), 2);
    assert_eq!(providers[0].kind, providers::ProviderKind::Libretranslate);
    assert_eq!(providers[1].url, "http://127.0.0.1:2");
}

#[test]
fn a_key_named_by_a_missing_variable_stops_the_start() {
    let mut s = settings(&[("deepl", "http://127.0.0.1:1")]);
    s.providers[0].api_key = None;
    s.providers[0].api_key_env = Some("RRM_TEST_NO_SUCH_VARIABLE_FOR_A_KEY".into());
    let err = s.providers().err().unwrap();
    assert!(format!("{err:#}").contains("RRM_TEST_NO_SUCH_VARIABLE_FOR_A_KEY"));
    s.providers[0].api_key_env = None;
    assert!(s.providers().is_err(), "DeepL without a key");
}
