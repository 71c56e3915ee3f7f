//! Roster in process: the real router (API, console, invitation pages) answering `oneshot`
//! requests, the real handlers and clock, on a store in a temporary directory (no broker). Time
//! is roster's injected clock: a fixed moment plus however far tokio's clock has moved, so tests
//! on a paused runtime move it with `tokio::time::advance`.

use crate::domain::{Invitation, Member};
use crate::{PURPOSE, Roster, SERVICE, Settings, api, pages, store};
use axum::body::Body;
use axum::http::Request;
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, Handler};
use rrm_contracts::{AlertRaised, CoordinatorTokenIssued, Envelope, Event, LanguageCode, Severity};
use rrm_platform::Service;
use rrm_platform::mail::{self, OutgoingMail};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;
use uuid::Uuid;

mod api_members;
mod console;
mod invitations;
mod mobilisation;
mod openapi;

/// An admin coordinator's token.
pub const TOKEN: &str = "roster-admin-token-for-tests-0123456789";
/// A token with `alerts:read` only.
pub const READER: &str = "roster-reader-token-for-tests-0123456789";

/// Noon UTC on a Monday: day in Europe and Africa, evening in South Asia.
pub fn base_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// The test network. At noon UTC, for an alert on religion and media in Europe, the ranking is
/// Amina 12, David 10, Omar 9, Yusuf 9, Léa 8, Ravi 7, Grace 4 (see each test's reasoning).
pub const MEMBERS: &str = "name,title,affiliation,email,lines,languages_written,topics,regions,time_zone
Amina Haddad,Professor,University of Beirut,amina@m.test,muslim;arab-world,en;ar,religion;media,europe,Europe/Paris
Yusuf Demir,Columnist,Istanbul Forum,yusuf@m.test,muslim;turkey,en;tr,religion,europe,Europe/Paris
Omar Said,Imam,Grand Mosque,omar@m.test,muslim,en,religion,europe,Europe/Paris
David Levin,Rabbi,Lyon Community,david@m.test,jewish,en;fr,religion,europe,Europe/Paris
Léa Cohen,Writer,,lea@m.test,jewish,fr,media,europe,Europe/Paris
Grace Okafor,Bishop,Diocese of Lagos,grace@m.test,christian;africa,en,education,africa,Africa/Lagos
Ravi Menon,Director,Centre for Secular Studies,ravi@m.test,hindu;south-asia,en,religion,south-asia,Asia/Kolkata
";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub roster: Roster,
}

/// Roster on the configuration in `dir` (written by [`fixture`]): what a restart finds.
pub fn open(dir: &std::path::Path) -> Roster {
    let settings: Settings = rrm_platform::config::load_from(dir, "test").unwrap();
    let service = Service::open(SERVICE, settings.common, store::TREES).unwrap();
    let start = tokio::time::Instant::now();
    let now: crate::Now =
        Arc::new(move || base_time() + chrono::Duration::from_std(start.elapsed()).unwrap());
    Roster::new(&service, settings.roster, now).unwrap()
}

/// A roster with the test network imported and two coordinator tokens known. `extra` is TOML
/// added to the test configuration (e.g. `[roster]\ninvite = 3`).
pub async fn fixture_with(extra: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    std::fs::copy(config.join("default.toml"), dir.path().join("default.toml")).unwrap();
    let data = dir.path().join("data");
    std::fs::write(
        dir.path().join("test.toml"),
        format!(
            "[links]\nsecret = \"0123456789abcdef0123456789abcdef\"\n[storage]\ndata_dir = {:?}\n\
             [roster]\ncoordinators_mail_to = [\"Desk <desk@rrm.test>\"]\n{extra}\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    let roster = open(dir.path());
    let f = Fixture { dir, roster };
    for (token, scopes) in [(TOKEN, vec!["admin"]), (READER, vec!["alerts:read"])] {
        let event = Event::CoordinatorTokenIssued(CoordinatorTokenIssued {
            token_id: Uuid::now_v7(),
            name: format!("{} desk", scopes[0]),
            token_sha256: rrm_platform::auth::token_hash(token),
            scopes: scopes.into_iter().map(String::from).collect(),
            expires_at: None,
        });
        f.roster
            .store
            .transact::<_, std::convert::Infallible, _>(move |tx| {
                Ok(rrm_platform::auth::apply(tx, &event)?)
            })
            .await
            .unwrap();
    }
    let report = api::members::import(&f.roster, MEMBERS.as_bytes().to_vec())
        .await
        .unwrap();
    assert_eq!(report.created, 7);
    f
}

pub async fn fixture() -> Fixture {
    fixture_with("").await
}

/// An answer: status, content type, body as JSON (`Null` when not JSON) and as text.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub json: Value,
    pub text: String,
}

impl Fixture {
    /// One request through the whole router (API, console, invitation pages).
    pub async fn request(&self, request: Request<Body>) -> Answer {
        let router = api::routes(self.roster.clone()).merge(pages::routes(self.roster.clone()));
        let response = router.oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .unwrap();
        Answer {
            status,
            content_type,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// An API call with `token` and a body of `content_type`.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, &str)>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some((content_type, body)) => {
                request = request.header("content-type", content_type);
                Body::from(body.to_owned())
            }
            None => Body::empty(),
        };
        self.request(request.body(body).unwrap()).await
    }

    /// A JSON API call as the admin.
    pub async fn json(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        self.call(
            method,
            path,
            Some(TOKEN),
            body.map(|b| ("application/json", b)),
        )
        .await
    }

    /// Delivers an event as the bus does (prepare, then handle in a transaction), twice: a
    /// redelivery must change nothing.
    pub async fn deliver(&self, event: Event) {
        let envelope = Envelope::new(&event, "intake", None, None);
        for _ in 0..2 {
            let (roster, envelope, event) = (self.roster.clone(), envelope.clone(), event.clone());
            let prepared = {
                let (r, e, ev) = (roster.clone(), envelope.clone(), event.clone());
                tokio::task::spawn_blocking(move || r.prepare(&e, &ev).unwrap())
                    .await
                    .unwrap()
            };
            self.roster
                .store
                .transact::<_, HandleError, _>(move |tx| {
                    roster.handle(tx, &envelope, &event, &prepared)
                })
                .await
                .unwrap();
        }
    }

    /// Raises an alert on religion and media in Europe, in English and French; its id.
    pub async fn raise(&self) -> Uuid {
        self.raise_on(&["religion", "media"], &["europe"]).await
    }

    pub async fn raise_on(&self, topics: &[&str], regions: &[&str]) -> Uuid {
        let alert = AlertRaised {
            alert_id: Uuid::now_v7(),
            title: "Holy book burned".into(),
            summary: "Protests spread.".into(),
            regions: regions.iter().map(|r| r.to_string()).collect(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            severity: Severity::High,
            languages: vec![
                LanguageCode::parse("en").unwrap(),
                LanguageCode::parse("fr").unwrap(),
            ],
            deadline: base_time() + chrono::Duration::hours(6),
            raised_by: "desk".into(),
        };
        let id = alert.alert_id;
        self.deliver(Event::AlertRaised(alert)).await;
        id
    }

    /// The alert's invitations in the order they went out, with their members.
    pub fn invitations(&self, alert_id: Uuid) -> Vec<(Invitation, Member)> {
        let panel = store::panel(&self.roster.store, alert_id).unwrap().unwrap();
        store::invitations(&self.roster.store, &panel)
            .unwrap()
            .into_iter()
            .map(|inv| {
                let m = store::member(&self.roster.store, inv.member_id)
                    .unwrap()
                    .unwrap();
                (inv, m)
            })
            .collect()
    }

    /// The invitation of the member with this address.
    pub fn invitation_of(&self, alert_id: Uuid, email: &str) -> Invitation {
        self.invitations(alert_id)
            .into_iter()
            .find(|(_, m)| m.email.as_str() == email)
            .map(|(i, _)| i)
            .unwrap_or_else(|| panic!("{email} was not invited"))
    }

    pub fn link(&self, inv: &Invitation) -> String {
        let token = self.roster.links.sign(
            PURPOSE,
            &inv.member_id.to_string(),
            &inv.invitation_id.to_string(),
            None,
        );
        format!("/invitations/{token}")
    }

    /// The member answers on their invitation's page (with its CSRF value).
    pub async fn answer(&self, inv: &Invitation, response: &str, note: &str) -> Answer {
        self.answer_at(&self.link(inv), response, note).await
    }

    pub async fn answer_at(&self, link: &str, response: &str, note: &str) -> Answer {
        let token = link.rsplit('/').next().unwrap();
        let csrf = self.roster.links.csrf_for(token);
        let body = serde_urlencoded::to_string([
            ("csrf", csrf.as_str()),
            ("response", response),
            ("note", note),
        ])
        .unwrap();
        self.request(
            Request::post(link)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Every e-mail queued, oldest first.
    pub fn mails(&self) -> Vec<OutgoingMail> {
        let mut all: Vec<OutgoingMail> = self
            .roster
            .store
            .scan::<OutgoingMail>(mail::TREE, b"")
            .unwrap()
            .map(|r| r.unwrap().1)
            .collect();
        all.sort_by_key(|m| m.created_at);
        all
    }

    /// The mails to `email`.
    pub fn mails_to(&self, email: &str) -> Vec<OutgoingMail> {
        self.mails()
            .into_iter()
            .filter(|m| m.mail.to.as_str() == email)
            .collect()
    }

    /// Every event emitted and not yet published, oldest first.
    pub fn events(&self) -> Vec<Event> {
        self.roster
            .store
            .outbox_batch(10_000)
            .unwrap()
            .into_iter()
            .map(|(_, e)| e.decode().unwrap())
            .collect()
    }

    /// Fires the clock's due timers (as its worker does), after letting time move on.
    pub async fn tick(&self) {
        rrm_platform::clock::fire_due(&self.roster).await.unwrap();
    }
}
