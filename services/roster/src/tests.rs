//! The invitation pages as members use them, in process.

use super::*;
use crate::domain::Member;
use crate::pages::invitation::{pages, routes};
use crate::store::{BY_EMAIL, INVITATIONS, MEMBERS, PANELS};
use axum::body::Body;
use axum::http::Request;
use chrono::Utc;
use rrm_bus::{HandleError, Handler};
use rrm_contracts::{AlertRaised, Envelope, Event, LanguageCode, PanelFormed};
use rrm_platform::mail;
use std::collections::BTreeSet;
use tower::ServiceExt;
use uuid::Uuid;

struct Fixture {
    _dir: tempfile::TempDir,
    roster: Roster,
}

const MEMBERS_CSV: &str = "name,email,line,regions,topics,languages
Amina Haddad,amina@m.test,Muslim,europe,religion,ar
Yusuf Demir,yusuf@m.test,Muslim,europe,religion,tr
David Levin,david@m.test,Jewish,europe,religion,en
Grace Okafor,grace@m.test,Christian,africa,education,en
";

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut trees = vec![MEMBERS, BY_EMAIL, PANELS, INVITATIONS];
    trees.extend(mail::TREES);
    let store = Store::open(
        &dir.path().join("db"),
        &rrm_bus::StoreOptions::default(),
        &trees,
    )
    .unwrap();
    let csv = dir.path().join("members.csv");
    std::fs::write(&csv, MEMBERS_CSV).unwrap();
    assert_eq!(
        import_members(&store, csv.to_str().unwrap()).await.unwrap(),
        4
    );
    let roster = Roster {
        store,
        links: LinkSigner::new(
            "0123456789abcdef0123456789abcdef".to_owned().into(),
            chrono::Duration::hours(1),
        ),
        pages: Arc::new(pages().unwrap()),
        public_url: "http://roster.test".into(),
        mail_domain: "rrm.test".into(),
        settings: RosterSettings {
            members_csv: String::new(),
            invite: 3,
            authors_needed: 2,
            min_lines: 2,
        },
        waker: MailWaker::default(),
    };
    Fixture { _dir: dir, roster }
}

impl Fixture {
    async fn raise(&self) -> Uuid {
        let alert = AlertRaised {
            alert_id: Uuid::now_v7(),
            title: "Burning <b>a book</b>".into(),
            summary: "Protests spread.".into(),
            regions: vec!["europe".into()],
            topics: vec!["religion".into()],
            severity: rrm_contracts::Severity::High,
            languages: vec![LanguageCode::parse("en").unwrap()],
            deadline: Utc::now() + chrono::Duration::hours(6),
            raised_by: "desk".into(),
        };
        let event = Event::AlertRaised(alert.clone());
        let envelope = Envelope::new(&event, "intake", Some(alert.alert_id), None);
        for _ in 0..2 {
            // A redelivery mobilises nobody twice (even past the inbox, which would drop it).
            let prepared = self.roster.prepare(&envelope, &event).unwrap();
            let (roster, envelope, event) = (self.roster.clone(), envelope.clone(), event.clone());
            self.roster
                .store
                .transact::<_, HandleError, _>(move |tx| {
                    roster.handle(tx, &envelope, &event, &prepared)
                })
                .await
                .unwrap();
        }
        alert.alert_id
    }

    fn invitations(&self) -> Vec<(Invitation, Member)> {
        self.roster
            .store
            .scan::<Invitation>(INVITATIONS, b"")
            .unwrap()
            .map(|r| {
                let inv = r.unwrap().1;
                let m = self
                    .roster
                    .store
                    .get::<Member>(MEMBERS, inv.member_id.as_bytes())
                    .unwrap()
                    .unwrap();
                (inv, m)
            })
            .collect()
    }

    fn link(&self, inv: &Invitation) -> String {
        let token = self.roster.links.sign(
            PURPOSE,
            &inv.member_id.to_string(),
            &inv.invitation_id.to_string(),
            None,
        );
        format!("/invitations/{token}")
    }

    async fn request(&self, request: Request<Body>) -> (u16, String) {
        let response = routes(self.roster.clone()).oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// The invitation page, as the member's link opens it.
    async fn open(&self, inv: &Invitation) -> (u16, String) {
        self.request(Request::get(self.link(inv)).body(Body::empty()).unwrap())
            .await
    }

    async fn answer(&self, inv: &Invitation, response: &str) -> (u16, String) {
        let link = self.link(inv);
        let csrf = self.roster.links.csrf_for(link.rsplit('/').next().unwrap());
        self.request(
            Request::post(&link)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={csrf}&response={response}")))
                .unwrap(),
        )
        .await
    }

    fn formed(&self) -> Vec<PanelFormed> {
        self.roster
            .store
            .outbox_batch(1000)
            .unwrap()
            .into_iter()
            .filter_map(|(_, e)| match e.decode().unwrap() {
                Event::PanelFormed(p) => Some(p),
                _ => None,
            })
            .collect()
    }
}

#[tokio::test]
async fn the_invited_panel_spans_lines_and_each_member_gets_one_invitation_mail() {
    let f = fixture().await;
    f.raise().await;
    let invited = f.invitations();
    assert_eq!(invited.len(), 3);
    let lines: BTreeSet<&str> = invited.iter().map(|(_, m)| m.line.as_str()).collect();
    assert!(lines.len() >= 2, "{lines:?}");
    assert_eq!(f.roster.store.count(mail::PENDING).unwrap(), 3);
}

#[tokio::test]
async fn the_deadline_reads_as_a_time_on_the_page_and_in_the_mail() {
    let f = fixture().await;
    f.raise().await;
    let (inv, _) = f.invitations().remove(0);

    let (_, page) = f.open(&inv).await;
    assert!(page.contains(" UTC — in 5 h 59 min</strong>"), "{page}");
    assert!(
        page.contains(r#"<h1 dir="auto">"#),
        "people's words take their own direction"
    );

    let mail: mail::OutgoingMail = f
        .roster
        .store
        .scan::<mail::OutgoingMail>(mail::TREE, b"")
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .1;
    let line = mail
        .mail
        .text
        .lines()
        .find(|l| l.starts_with("Editors expect the op-ed before "))
        .unwrap()
        .to_owned();
    // Read hours after it was sent, a mail says when, not how long from now.
    assert!(line.ends_with(" UTC."), "{line}");
    assert!(!line.contains(" — "), "{line}");
}

#[tokio::test]
async fn the_page_asks_and_only_the_post_answers_once() {
    let f = fixture().await;
    f.raise().await;
    let (inv, _) = f.invitations().remove(0);
    let (status, page) = f.open(&inv).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Burning &lt;b&gt;a book&lt;/b&gt;"),
        "titles are escaped"
    );
    assert_eq!(
        f.invitations()[0].0.answer,
        Answer::Pending,
        "opening the page answers nothing"
    );

    assert_eq!(f.answer(&inv, "decline").await.0, 200);
    // The link is single-use: a later accept changes nothing.
    let (status, page) = f.answer(&inv, "accept").await;
    assert_eq!(status, 200);
    assert!(page.contains("already recorded"));
    assert_eq!(
        f.invitations()
            .iter()
            .find(|(i, _)| i.invitation_id == inv.invitation_id)
            .unwrap()
            .0
            .answer,
        Answer::Declined
    );
}

#[tokio::test]
async fn the_panel_forms_once_two_lines_have_accepted() {
    let f = fixture().await;
    f.raise().await;
    let invited = f.invitations();
    let muslims: Vec<&Invitation> = invited
        .iter()
        .filter(|(_, m)| m.line == "Muslim")
        .map(|(i, _)| i)
        .collect();
    let others: Vec<&Invitation> = invited
        .iter()
        .filter(|(_, m)| m.line != "Muslim")
        .map(|(i, _)| i)
        .collect();
    assert!(!muslims.is_empty() && !others.is_empty());
    for inv in &muslims {
        f.answer(inv, "accept").await;
    }
    assert!(
        f.formed().is_empty() || muslims.len() < 2,
        "one line alone never forms a panel"
    );
    f.answer(others[0], "accept").await;
    let formed = f.formed();
    assert_eq!(formed.len(), 1);
    let lines: BTreeSet<&str> = formed[0].authors.iter().map(|a| a.line.as_str()).collect();
    assert!(lines.len() >= 2);
    // A later acceptance does not form it again.
    if let Some(late) = others.get(1) {
        f.answer(late, "accept").await;
    }
    assert_eq!(f.formed().len(), 1);
}

#[tokio::test]
async fn a_member_accepting_after_the_panel_formed_is_told_it_is_complete() {
    let f = fixture().await;
    f.raise().await;
    let invited = f.invitations();
    assert_eq!(invited.len(), 3);
    let muslim = invited.iter().find(|(_, m)| m.line == "Muslim").unwrap();
    let other = invited.iter().find(|(_, m)| m.line != "Muslim").unwrap();
    let late = invited
        .iter()
        .find(|(i, _)| {
            i.invitation_id != muslim.0.invitation_id && i.invitation_id != other.0.invitation_id
        })
        .unwrap();

    let (_, first) = f.answer(&muslim.0, "accept").await;
    assert!(
        first.contains("as soon as the panel is complete"),
        "{first}"
    );
    let (_, second) = f.answer(&other.0, "accept").await;
    assert!(second.contains("you are one of the authors"), "{second}");
    assert_eq!(f.formed().len(), 1);

    // Before answering, the late member is warned.
    let (_, asked) = f.open(&late.0).await;
    assert!(
        asked.contains("Enough members have already accepted"),
        "{asked}"
    );
    let (status, page) = f.answer(&late.0, "accept").await;
    assert_eq!(status, 200);
    assert!(page.contains("already complete"), "{page}");
    assert!(!page.contains("link to the shared draft"), "{page}");
    assert_eq!(f.formed().len(), 1);
    let (_, invitation_page) = f.open(&late.0).await;
    assert!(
        invitation_page.contains("already accepted"),
        "{invitation_page}"
    );
}

#[tokio::test]
async fn a_forged_or_cross_site_answer_changes_nothing() {
    let f = fixture().await;
    f.raise().await;
    let (inv, _) = f.invitations().remove(0);
    let link = f.link(&inv);
    let (status, _) = f
        .request(
            Request::post(&link)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("csrf=forged&response=accept"))
                .unwrap(),
        )
        .await;
    assert_eq!(status, 403);
    let someone_else = f.roster.links.sign(
        PURPOSE,
        &Uuid::now_v7().to_string(),
        &inv.invitation_id.to_string(),
        None,
    );
    let (status, _) = f
        .request(
            Request::get(format!("/invitations/{someone_else}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, 404);
    let (status, page) = f
        .request(
            Request::get("/invitations/garbage.token")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("not valid"));
    assert!(
        f.invitations()
            .iter()
            .all(|(i, _)| i.answer == Answer::Pending)
    );
}
