//! Drafting in process: the real router (pages members reach by link, the console, the public
//! manifests and the API) answering `oneshot` requests, the real handlers and clock, on a store
//! in a temporary directory (no broker). Time is drafting's injected clock: the moment the
//! fixture started plus however far tokio's clock has moved, so tests on a paused runtime move
//! it with `tokio::time::advance`. Links are checked against the real time, as in production.

use crate::domain::{Draft, Signatures, Version, signing_object, text};
use crate::{Drafting, EDIT, SERVICE, SIGN, Settings, api, pages, store};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, Handler};
use rrm_contracts::{
    CoordinatorTokenIssued, EmailAddress, Envelope, Event, LanguageCode, PanelFormed, PanelMember,
};
use rrm_platform::Service;
use rrm_platform::mail::{self, OutgoingMail};
use std::collections::BTreeSet;
use std::sync::Arc;
use tower::ServiceExt;
use uuid::Uuid;

mod console;
mod editing;
mod signing;

/// An admin coordinator's token.
pub const TOKEN: &str = "drafting-admin-token-for-tests-0123456789";
/// A token with `alerts:read` only.
pub const READER: &str = "drafting-reader-token-for-tests-0123456789";
/// Drafting's public URL in the shipped configuration: where every link and redirect leads.
pub const PUBLIC: &str = "http://127.0.0.1:8083";

pub fn member(name: &str, line: &str) -> PanelMember {
    PanelMember {
        member_id: Uuid::now_v7(),
        name: name.into(),
        email: EmailAddress::parse(&format!("{}@members.test", name.to_lowercase())).unwrap(),
        line: line.into(),
        signs_as: format!("{line} writer"),
    }
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub app: Drafting,
    pub draft_id: Uuid,
    pub authors: Vec<PanelMember>,
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

    /// The value of this page's first CSRF field.
    pub fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let at = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("a form with a CSRF field: {}", self.body))
            + marker.len();
        self.body[at..].split('"').next().unwrap().to_owned()
    }

    /// The value of this page's first hidden field `name` (as the browser would send it back).
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!(r#"type="hidden" name="{name}" value=""#);
        let at = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("a hidden {name} field: {}", self.body))
            + marker.len();
        self.body[at..].split('"').next().unwrap().to_owned()
    }
}

/// Drafting on the configuration in `dir` (written by [`fixture_with`]): what a restart finds.
pub fn open(dir: &std::path::Path, start: DateTime<Utc>) -> Drafting {
    let settings: Settings = rrm_platform::config::load_from(dir, "test").unwrap();
    let key = crate::key_file::load_or_create(&dir.join("manifest-key.pem")).unwrap();
    let service = Service::open(SERVICE, settings.common, store::TREES).unwrap();
    let clock = tokio::time::Instant::now();
    // Steps read the time inside transactions, on the store's own thread: the runtime is
    // entered there so that tokio's (paused) clock is the one read.
    let runtime = tokio::runtime::Handle::current();
    let now: rrm_platform::clock::Now = Arc::new(move || {
        let _entered = runtime.enter();
        start + chrono::Duration::from_std(clock.elapsed()).unwrap()
    });
    Drafting::new(&service, settings.drafting, key, now).unwrap()
}

/// A draft opened for a panel of two authors (Amina, David), with two coordinator tokens known.
/// `extra` is TOML added to the `[drafting]` section (e.g. `final_signoff = true`).
pub async fn fixture_with(extra: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    std::fs::copy(config.join("default.toml"), dir.path().join("default.toml")).unwrap();
    let data = dir.path().join("data");
    std::fs::write(
        dir.path().join("test.toml"),
        format!(
            "[links]\nsecret = \"0123456789abcdef0123456789abcdef\"\n[storage]\ndata_dir = {:?}\n\
             [drafting]\nsource_language = \"en\"\n{extra}\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    let app = open(dir.path(), Utc::now());
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
    let authors = vec![member("Amina", "Muslim"), member("David", "Jewish")];
    let panel = PanelFormed {
        alert_id: Uuid::now_v7(),
        panel_id: Uuid::now_v7(),
        title: "Burning".into(),
        summary: "A book was burned.".into(),
        languages: vec![
            LanguageCode::parse("en").unwrap(),
            LanguageCode::parse("fr").unwrap(),
        ],
        deadline: Utc::now() + chrono::Duration::hours(6),
        authors: authors.clone(),
    };
    let mut f = Fixture {
        dir,
        app,
        draft_id: Uuid::nil(),
        authors,
    };
    f.deliver(Event::PanelFormed(panel.clone())).await;
    let alert_id = panel.alert_id;
    f.draft_id = store::draft_of_alert(&f.app.store, alert_id)
        .unwrap()
        .unwrap();
    f
}

pub async fn fixture() -> Fixture {
    fixture_with("").await
}

impl Fixture {
    /// Delivers an event as the bus does, twice: a redelivery must change nothing.
    pub async fn deliver(&self, event: Event) {
        let envelope = Envelope::new(&event, "roster", None, None);
        for _ in 0..2 {
            let (app, envelope, event) = (self.app.clone(), envelope.clone(), event.clone());
            let handled = self
                .app
                .store
                .transact::<_, HandleError, _>(move |tx| {
                    if !tx.mark_handled(envelope.id)? {
                        return Ok(());
                    }
                    app.handle(tx, &envelope, &event, &None)
                })
                .await;
            handled.unwrap();
        }
    }

    pub fn draft(&self) -> Draft {
        store::draft(&self.app.store, self.draft_id)
            .unwrap()
            .unwrap()
    }

    pub fn version(&self, hash: &str) -> Version {
        store::version(&self.app.store, self.draft_id, hash)
            .unwrap()
            .unwrap()
    }

    pub fn edit_link(&self, who: usize) -> String {
        let token = self.app.links.sign(
            EDIT,
            &self.authors[who].member_id.to_string(),
            &self.draft_id.to_string(),
            None,
        );
        format!("/drafts/{token}")
    }

    /// `member`'s signing link for `hash` in the current round.
    pub fn sign_link_for(&self, member: &PanelMember, hash: &str) -> String {
        self.sign_link_of_round(member, hash, self.draft().round)
    }

    pub fn sign_link(&self, who: usize, hash: &str) -> String {
        self.sign_link_for(&self.authors[who].clone(), hash)
    }

    pub fn sign_link_of_round(&self, member: &PanelMember, hash: &str, round: u32) -> String {
        let token = self.app.links.sign(
            SIGN,
            &member.member_id.to_string(),
            &signing_object(self.draft_id, round),
            Some(hash),
        );
        format!("/sign/{token}")
    }

    /// The CSRF value of a link's page.
    pub fn csrf(&self, path: &str) -> String {
        let token = path.split('?').next().unwrap().rsplit('/').next().unwrap();
        self.app.links.csrf_for(token)
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

    pub async fn get(&self, path: &str) -> Page {
        self.get_as(path, None).await
    }

    /// A GET with a session cookie (see [`Fixture::sign_in`]).
    pub async fn get_as(&self, path: &str, cookie: Option<&str>) -> Page {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_as(path, None, form).await
    }

    pub async fn post_as(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).unwrap();
        let mut request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// Signs in to the console with `token`; the `Cookie` header to send after.
    pub async fn sign_in(&self, token: &str) -> String {
        let answer = self
            .post(
                "/console/sign-in",
                &[("token", token), ("next", "/console")],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        let set = answer.headers[header::SET_COOKIE].to_str().unwrap();
        set.split(';').next().unwrap().to_owned()
    }

    /// The hash the draft page gives `title` and `body` in English with no standfirst.
    pub fn hash_of(&self, title: &str, body: &str) -> String {
        let text = text::Text {
            title: title.into(),
            standfirst: String::new(),
            body: body.into(),
            language: LanguageCode::parse("en").unwrap(),
        };
        text::version_hash(&text, &text::byline(&self.authors))
    }

    /// Author `who` saves a text based on the current version with `action` (save, submit,
    /// preview); the page.
    pub async fn save_page(&self, who: usize, title: &str, body: &str, action: &str) -> Page {
        let base = self.draft().current.unwrap_or_default();
        self.save_on(who, &base, title, body, action).await
    }

    pub async fn save_on(
        &self,
        who: usize,
        base: &str,
        title: &str,
        body: &str,
        action: &str,
    ) -> Page {
        self.save_in(who, base, title, body, "en", action).await
    }

    /// Like [`Fixture::save_on`], in `language`.
    pub async fn save_in(
        &self,
        who: usize,
        base: &str,
        title: &str,
        body: &str,
        language: &str,
        action: &str,
    ) -> Page {
        let link = self.edit_link(who);
        let csrf = self.csrf(&link);
        self.post(
            &link,
            &[
                ("csrf", &csrf),
                ("base", base),
                ("title", title),
                ("standfirst", ""),
                ("language", language),
                ("body", body),
                ("action", action),
            ],
        )
        .await
    }

    /// Saves and submits a version; its hash.
    pub async fn save(&self, who: usize, title: &str, body: &str) -> String {
        self.save_with(who, title, body, "submit").await
    }

    pub async fn save_with(&self, who: usize, title: &str, body: &str, action: &str) -> String {
        let page = self.save_page(who, title, body, action).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        self.hash_of(title, body)
    }

    /// Author `who` answers `hash` on their signing page.
    pub async fn answer(&self, who: usize, hash: &str, action: &str, comment: &str) -> Page {
        let member = self.authors[who].clone();
        self.answer_as(&member, hash, action, comment).await
    }

    pub async fn answer_as(
        &self,
        member: &PanelMember,
        hash: &str,
        action: &str,
        comment: &str,
    ) -> Page {
        let link = self.sign_link_for(member, hash);
        let csrf = self.csrf(&link);
        self.post(
            &link,
            &[("csrf", &csrf), ("action", action), ("comment", comment)],
        )
        .await
    }

    pub async fn sign(&self, who: usize, hash: &str) -> Page {
        self.answer(who, hash, "sign", "").await
    }

    /// Who signed `hash` in the current round.
    pub fn signed(&self, hash: &str) -> BTreeSet<Uuid> {
        self.signatures(hash).members()
    }

    pub fn signatures(&self, hash: &str) -> Signatures {
        store::signatures(&self.app.store, self.draft_id, self.draft().round, hash).unwrap()
    }

    /// Every event drafting emitted, in order.
    pub fn events(&self) -> Vec<Event> {
        self.app
            .store
            .outbox_batch(10_000)
            .unwrap()
            .into_iter()
            .map(|(_, e)| e.decode().unwrap())
            .collect()
    }

    pub fn approved(&self) -> Vec<rrm_contracts::OpedApproved> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::OpedApproved(a) => Some(a),
                _ => None,
            })
            .collect()
    }

    /// Every mail queued to `email`, oldest first.
    pub fn mails_to(&self, email: &EmailAddress) -> Vec<OutgoingMail> {
        let mut all: Vec<OutgoingMail> = self
            .app
            .store
            .scan::<OutgoingMail>(mail::TREE, b"")
            .unwrap()
            .map(|r| r.unwrap().1)
            .filter(|m| m.mail.to == *email)
            .collect();
        all.sort_by_key(|m| m.created_at);
        all
    }

    /// A member who accepted after the panel formed, announced as roster does.
    pub async fn cosigner_joins(&self, name: &str) -> PanelMember {
        let member = member(name, "Christian");
        let draft = self.draft();
        self.deliver(Event::CosignerJoined(rrm_contracts::CosignerJoined {
            alert_id: draft.panel.alert_id,
            panel_id: draft.panel.panel_id,
            member: member.clone(),
        }))
        .await;
        member
    }

    /// Both authors sign `hash`.
    pub async fn both_sign(&self, hash: &str) {
        for who in 0..2 {
            let page = self.sign(who, hash).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        }
    }
}
