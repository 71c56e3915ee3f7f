//! The drafting pages as members use them, in process: signing is bound to the exact text, a new
//! version voids every signature, and nobody acts without their own valid link.

use super::*;
use crate::domain::{Draft, signing_object};
use crate::pages::{pages, routes};
use axum::body::Body;
use axum::http::Request;
use chrono::Utc;
use rrm_bus::{HandleError, Handler};
use rrm_contracts::EmailAddress;
use rrm_contracts::{Envelope, Event, LanguageCode, OpedApproved, PanelFormed, PanelMember};
use rrm_platform::mail::{self, MailWaker};
use std::collections::BTreeSet;
use tower::ServiceExt;
use uuid::Uuid;

struct Fixture {
    _dir: tempfile::TempDir,
    app: Drafting,
    draft_id: Uuid,
    authors: Vec<PanelMember>,
}

fn author(name: &str, line: &str) -> PanelMember {
    PanelMember {
        member_id: Uuid::now_v7(),
        name: name.into(),
        email: EmailAddress::parse(&format!("{}@members.test", name.to_lowercase())).unwrap(),
        line: line.into(),
        signs_as: String::new(),
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut trees = store::TREES.to_vec();
    trees.extend(mail::TREES);
    let store = Store::open(dir.path(), &rrm_bus::StoreOptions::default(), &trees).unwrap();
    let app = Drafting {
        store,
        links: LinkSigner::new(
            "0123456789abcdef0123456789abcdef".to_owned().into(),
            chrono::Duration::hours(1),
        ),
        pages: Arc::new(pages().unwrap()),
        public_url: "http://drafting.test".into(),
        mail_domain: "rrm.test".into(),
        source_language: LanguageCode::parse("en").unwrap(),
        waker: MailWaker::default(),
    };
    let authors = vec![author("Amina", "Muslim"), author("David", "Jewish")];
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
    let event = Event::PanelFormed(panel.clone());
    let envelope = Envelope::new(&event, "roster", Some(panel.alert_id), None);
    let handler = app.clone();
    app.store
        .transact::<_, HandleError, _>(move |tx| handler.handle(tx, &envelope, &event, &None))
        .await
        .unwrap();
    let alert_id = panel.alert_id;
    let draft_id = app
        .store
        .transact::<_, HandleError, _>(move |tx| Ok(store::draft_for_alert(tx, alert_id)?))
        .await
        .unwrap()
        .unwrap();
    Fixture {
        _dir: dir,
        app,
        draft_id,
        authors,
    }
}

impl Fixture {
    fn edit_link(&self, who: usize) -> String {
        let token = self.app.links.sign(
            EDIT,
            &self.authors[who].member_id.to_string(),
            &self.draft_id.to_string(),
            None,
        );
        format!("/drafts/{token}")
    }

    fn draft(&self) -> Draft {
        store::draft(&self.app.store, self.draft_id)
            .unwrap()
            .unwrap()
    }

    /// The signing link the author was sent for `hash` in the current round.
    fn sign_link(&self, who: usize, hash: &str) -> String {
        self.sign_link_of_round(who, hash, self.draft().round)
    }

    fn sign_link_of_round(&self, who: usize, hash: &str, round: u32) -> String {
        let token = self.app.links.sign(
            SIGN,
            &self.authors[who].member_id.to_string(),
            &signing_object(self.draft_id, round),
            Some(hash),
        );
        format!("/sign/{token}")
    }

    fn csrf(&self, path: &str) -> String {
        self.app.links.csrf_for(path.rsplit('/').next().unwrap())
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = routes(self.app.clone())
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = routes(self.app.clone())
            .oneshot(
                Request::post(path)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// Saves a version and submits it for signature.
    async fn save(&self, who: usize, title: &str, body: &str) -> String {
        self.save_with(who, title, body, "submit").await
    }

    async fn save_with(&self, who: usize, title: &str, body: &str, action: &str) -> String {
        let link = self.edit_link(who);
        let csrf = self.csrf(&link);
        let (status, page) = self
            .post(
                &link,
                &[
                    ("csrf", &csrf),
                    ("title", title),
                    ("body", body),
                    ("action", action),
                ],
            )
            .await;
        assert_eq!(status, 200, "{page}");
        domain::version_hash(title, body)
    }

    async fn sign(&self, who: usize, hash: &str) -> (u16, String) {
        let link = self.sign_link(who, hash);
        let csrf = self.csrf(&link);
        self.post(&link, &[("csrf", &csrf)]).await
    }

    /// Who signed `hash` in the current round.
    fn signed(&self, hash: &str) -> BTreeSet<Uuid> {
        store::signatures(&self.app.store, self.draft_id, self.draft().round, hash)
            .unwrap()
            .members()
    }

    fn approved(&self) -> Vec<OpedApproved> {
        self.app
            .store
            .outbox_batch(1000)
            .unwrap()
            .into_iter()
            .filter_map(|(_, e)| match e.decode().unwrap() {
                Event::OpedApproved(a) => Some(a),
                _ => None,
            })
            .collect()
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_signing_page_shows_the_text_and_its_hash_and_get_changes_nothing() {
    let f = fixture().await;
    let hash = f.save(0, "Common ground", "We stand together.").await;
    let (status, page) = f.get(&f.sign_link(1, &hash)).await;
    assert_eq!(status, 200);
    assert!(page.contains(&hash) && page.contains("We stand together."));
    assert!(f.signed(&hash).is_empty(), "opening the page must not sign");
}

#[tokio::test]
async fn a_new_version_voids_every_signature() {
    let f = fixture().await;
    let first = f.save(0, "Common ground", "We stand together.").await;
    assert_eq!(f.sign(0, &first).await.0, 200);
    assert_eq!(f.signed(&first).len(), 1);

    // David changes the text: Amina's signature on the old text no longer counts.
    let second = f
        .save(1, "Common ground", "We stand together, always.")
        .await;
    let (status, page) = f.sign(1, &first).await;
    assert_eq!(status, 409, "a replaced version cannot be signed: {page}");
    assert!(f.signed(&second).is_empty());
    assert_eq!(f.sign(1, &second).await.0, 200);
    assert!(
        f.approved().is_empty(),
        "one of two authors signed the current text"
    );
    assert_eq!(f.sign(0, &second).await.0, 200);

    let approved = f.approved();
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].version_hash, second);
    assert_eq!(approved[0].body, "We stand together, always.");
    let names: Vec<&str> = approved[0]
        .signatories
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["Amina", "David"]);

    // Signing twice changes nothing and approves nothing twice.
    assert_eq!(f.sign(0, &second).await.0, 200);
    assert_eq!(f.approved().len(), 1);
}

#[tokio::test]
async fn saving_a_new_version_without_submitting_it_voids_the_signatures() {
    let f = fixture().await;
    let first = f.save(0, "Common ground", "We stand together.").await;
    let amina_link = f.sign_link(0, &first);
    assert_eq!(f.sign(1, &first).await.0, 200);

    // Amina edits the text and only saves it: the text out for signature is no longer the latest.
    f.save_with(0, "Common ground", "We stand together, always.", "save")
        .await;
    let (status, page) = f.get(&amina_link).await;
    assert_eq!(status, 200);
    assert!(page.contains("can no longer be signed"), "{page}");
    let csrf = f.csrf(&amina_link);
    assert_eq!(f.post(&amina_link, &[("csrf", &csrf)]).await.0, 409);
    assert!(
        f.approved().is_empty(),
        "an op-ed must not go out on a text its authors have since replaced"
    );
}

#[tokio::test]
async fn a_text_submitted_again_is_signed_again() {
    let f = fixture().await;
    let text = ("Common ground", "We stand together.");
    let first = f.save(0, text.0, text.1).await;
    let first_round = f.draft().round;
    assert_eq!(f.sign(0, &first).await.0, 200);
    f.save(1, "Common ground", "Another text.").await;

    // Back to the first text: Amina's earlier signature and link do not count for it.
    let again = f.save(1, text.0, text.1).await;
    assert_eq!(again, first);
    assert!(f.signed(&first).is_empty());
    let stale = f.sign_link_of_round(0, &first, first_round);
    let csrf = f.csrf(&stale);
    assert_eq!(f.post(&stale, &[("csrf", &csrf)]).await.0, 409);
    assert_eq!(f.sign(1, &first).await.0, 200);
    assert!(f.approved().is_empty(), "only David signed this round");

    // Each author was asked again, by a new mail, for this round.
    let asked: usize = f
        .app
        .store
        .scan::<mail::OutgoingMail>(mail::TREE, b"sign:")
        .unwrap()
        .filter(|m| {
            m.as_ref()
                .unwrap()
                .1
                .mail
                .subject
                .starts_with("Please sign")
        })
        .count();
    assert_eq!(
        asked,
        3 * f.authors.len(),
        "three rounds, every author asked each time"
    );
    assert_eq!(f.sign(0, &first).await.0, 200);
    assert_eq!(f.approved().len(), 1);
}

#[tokio::test]
async fn nobody_acts_without_their_own_valid_link() {
    let f = fixture().await;
    let hash = f.save(0, "Common ground", "We stand together.").await;
    let link = f.sign_link(1, &hash);
    let csrf = f.csrf(&link);

    // A tampered token.
    let mut tampered = link.clone();
    tampered.pop();
    tampered.push(if link.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(f.post(&tampered, &[("csrf", &csrf)]).await.0, 400);
    // A link for another action.
    let edit = f.edit_link(1);
    let wrong = format!("/sign/{}", edit.rsplit('/').next().unwrap());
    assert_eq!(f.post(&wrong, &[("csrf", &f.csrf(&wrong))]).await.0, 400);
    // A stranger's link for this draft.
    let stranger = f.app.links.sign(
        SIGN,
        &Uuid::now_v7().to_string(),
        &f.draft_id.to_string(),
        Some(&hash),
    );
    assert_eq!(f.get(&format!("/sign/{stranger}")).await.0, 404);
    // A post that did not come from the page.
    assert_eq!(f.post(&link, &[("csrf", "forged")]).await.0, 403);
    // An expired link.
    let expired = LinkSigner::new(
        "0123456789abcdef0123456789abcdef".to_owned().into(),
        chrono::Duration::seconds(-1),
    )
    .sign(
        SIGN,
        &f.authors[1].member_id.to_string(),
        &f.draft_id.to_string(),
        Some(&hash),
    );
    assert_eq!(f.get(&format!("/sign/{expired}")).await.0, 410);

    assert!(f.signed(&hash).is_empty(), "none of these may sign");
}

#[tokio::test]
async fn an_empty_text_is_refused_on_the_page_and_saves_nothing() {
    let f = fixture().await;
    let link = f.edit_link(0);
    let csrf = f.csrf(&link);
    let (status, page) = f
        .post(
            &link,
            &[
                ("csrf", &csrf),
                ("title", ""),
                ("body", "  "),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("title: must be"), "{page}");
    assert_eq!(store::version_count(&f.app.store).unwrap(), 0);
}

impl Fixture {
    /// A member who accepted after the panel formed, announced as roster does.
    async fn cosigner_joins(&self, name: &str) -> PanelMember {
        let member = author(name, "Christian");
        let event = Event::CosignerJoined(rrm_contracts::CosignerJoined {
            alert_id: self.draft().panel.alert_id,
            panel_id: self.draft().panel.panel_id,
            member: member.clone(),
        });
        let envelope = Envelope::new(&event, "roster", None, None);
        let handler = self.app.clone();
        self.app
            .store
            .transact::<_, HandleError, _>(move |tx| handler.handle(tx, &envelope, &event, &None))
            .await
            .unwrap();
        member
    }

    async fn sign_as(&self, member: &PanelMember, hash: &str) -> (u16, String) {
        let token = self.app.links.sign(
            SIGN,
            &member.member_id.to_string(),
            &signing_object(self.draft_id, self.draft().round),
            Some(hash),
        );
        let link = format!("/sign/{token}");
        let csrf = self.csrf(&link);
        self.post(&link, &[("csrf", &csrf)]).await
    }
}

#[tokio::test]
async fn a_cosigner_is_sent_the_text_out_for_signature_and_named_after_the_authors() {
    let f = fixture().await;
    let hash = f
        .save_with(0, "Common ground", "We stand together.", "submit")
        .await;
    let grace = f.cosigner_joins("Grace").await;
    // Sent the link to the version already out for signature, at once.
    let mails: Vec<mail::OutgoingMail> = f
        .app
        .store
        .scan::<mail::OutgoingMail>(mail::TREE, b"")
        .unwrap()
        .map(|r| r.unwrap().1)
        .filter(|m| m.mail.to == grace.email)
        .collect();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].mail.text.contains("/sign/"));
    // Signing, then the authors: approved with the co-signer named after them.
    assert_eq!(f.sign_as(&grace, &hash).await.0, 200);
    assert!(
        f.approved().is_empty(),
        "the op-ed waits for the authors, not the co-signer"
    );
    f.sign(0, &hash).await;
    f.sign(1, &hash).await;
    let approved = f.approved();
    assert_eq!(approved.len(), 1);
    let names: Vec<&str> = approved[0]
        .signatories
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["Amina", "David", "Grace"]);
}

#[tokio::test]
async fn a_cosigner_signing_after_approval_is_told_and_changes_nothing() {
    let f = fixture().await;
    let hash = f
        .save_with(0, "Common ground", "We stand together.", "submit")
        .await;
    let late = f.cosigner_joins("Late").await;
    f.sign(0, &hash).await;
    f.sign(1, &hash).await;
    assert_eq!(f.approved().len(), 1);
    let (status, page) = f.sign_as(&late, &hash).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("Already approved"), "{page}");
    assert!(!f.signed(&hash).contains(&late.member_id));
    // An author clicking again is told their signature is recorded.
    assert_eq!(f.sign(0, &hash).await.0, 200);
}
