//! The invitation link's page as members use it, and every way a link can be wrong: nothing
//! changes unless the right member answers from their own page.

use super::*;
use crate::domain::Answer;
use rrm_platform::LinkSigner;

async fn page(f: &Fixture, link: &str) -> super::Answer {
    f.request(Request::get(link).body(Body::empty()).unwrap())
        .await
}

fn answered(f: &Fixture, alert: Uuid) -> usize {
    f.invitations(alert)
        .iter()
        .filter(|(i, _)| i.answer != Answer::Pending)
        .count()
}

#[tokio::test]
async fn opening_the_link_changes_nothing_and_shows_the_ask() {
    let f = fixture().await;
    let alert = f.raise().await;
    let amina = f.invitation_of(alert, "amina@m.test");
    let shown = page(&f, &f.link(&amina)).await;
    assert_eq!(shown.status, 200);
    assert!(shown.text.contains("Holy book burned"));
    assert!(shown.text.contains(r#"name="note""#), "an optional note");
    assert!(shown.text.contains(r#"value="accept""#) && shown.text.contains(r#"value="decline""#));
    assert_eq!(answered(&f, alert), 0);
}

#[tokio::test]
async fn an_answer_is_recorded_once_with_its_note_and_shown_again_after() {
    let f = fixture().await;
    let alert = f.raise().await;
    let omar = f.invitation_of(alert, "omar@m.test");
    let first = f
        .answer(&omar, "accept", "From 14:00, by phone until then")
        .await;
    assert_eq!(first.status, 200);
    assert!(first.text.contains("Thank you for accepting"));
    assert!(first.text.contains("From 14:00, by phone until then"));
    // Clicking again (or the other button) changes nothing and says what was recorded.
    let again = f.answer(&omar, "decline", "changed my mind").await;
    assert_eq!(again.status, 200);
    assert!(
        again
            .text
            .contains("Your answer was already recorded; nothing was changed."),
        "{}",
        again.text
    );
    assert!(again.text.contains("Thank you for accepting"));
    let stored = f.invitation_of(alert, "omar@m.test");
    assert_eq!(stored.answer, Answer::Accepted);
    assert_eq!(
        stored.note.as_deref(),
        Some("From 14:00, by phone until then")
    );
    let responded = f
        .events()
        .iter()
        .filter(|e| matches!(e, Event::MemberResponded(_)))
        .count();
    assert_eq!(responded, 1);
    // The page shows the recorded answer from now on.
    let shown = page(&f, &f.link(&omar)).await;
    assert!(
        shown.text.contains("You have already accepted"),
        "{}",
        shown.text
    );
}

#[tokio::test]
async fn a_tampered_link_is_refused_and_changes_nothing() {
    let f = fixture().await;
    let alert = f.raise().await;
    let amina = f.invitation_of(alert, "amina@m.test");
    let link = f.link(&amina);
    let mut tampered = link.clone().into_bytes();
    let i = tampered.len() - 3;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(page(&f, &tampered).await.status, 400);
    let refused = f.answer_at(&tampered, "accept", "").await;
    assert_eq!(refused.status, 400);
    assert!(refused.text.contains("This link is not valid"));
    assert_eq!(answered(&f, alert), 0);
}

#[tokio::test]
async fn an_expired_link_is_refused_and_changes_nothing() {
    let f = fixture().await;
    let alert = f.raise().await;
    let amina = f.invitation_of(alert, "amina@m.test");
    let expired = LinkSigner::new(
        "0123456789abcdef0123456789abcdef".to_owned().into(),
        chrono::Duration::hours(-1),
    );
    let token = expired.sign(
        PURPOSE,
        &amina.member_id.to_string(),
        &amina.invitation_id.to_string(),
        None,
    );
    let link = format!("/invitations/{token}");
    let refused = f.answer_at(&link, "accept", "").await;
    assert_eq!(refused.status, 410);
    assert!(refused.text.contains("This link has expired"));
    assert_eq!(answered(&f, alert), 0);
}

#[tokio::test]
async fn nobody_answers_with_another_members_invitation() {
    let f = fixture().await;
    let alert = f.raise().await;
    let amina = f.invitation_of(alert, "amina@m.test");
    let david = f.invitation_of(alert, "david@m.test");
    // A link naming David as its holder but Amina's invitation: valid signature, wrong person.
    let token = f.roster.links.sign(
        PURPOSE,
        &david.member_id.to_string(),
        &amina.invitation_id.to_string(),
        None,
    );
    let link = format!("/invitations/{token}");
    assert_eq!(page(&f, &link).await.status, 404);
    assert_eq!(f.answer_at(&link, "accept", "").await.status, 404);
    // A link for another purpose (a signing link, say) is refused too.
    let other = f.roster.links.sign(
        "sign-version",
        &amina.member_id.to_string(),
        &amina.invitation_id.to_string(),
        None,
    );
    assert_eq!(
        f.answer_at(&format!("/invitations/{other}"), "accept", "")
            .await
            .status,
        400
    );
    assert_eq!(answered(&f, alert), 0);
}

#[tokio::test]
async fn an_answer_not_sent_from_the_page_or_unreadable_changes_nothing() {
    let f = fixture().await;
    let alert = f.raise().await;
    let amina = f.invitation_of(alert, "amina@m.test");
    let link = f.link(&amina);
    let post = |body: &'static str| {
        Request::post(link.as_str())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    // No CSRF value (a form the page never sends), or a forged one: not from the page.
    assert_eq!(f.request(post("response=accept")).await.status, 400);
    assert_eq!(
        f.request(post("csrf=forged&response=accept")).await.status,
        403
    );
    // An answer the page does not offer.
    assert_eq!(f.answer(&amina, "maybe", "").await.status, 400);
    // A note with characters that cannot be shown.
    let bad = f.answer(&amina, "accept", "bell\u{7}").await;
    assert_eq!(bad.status, 400);
    assert!(bad.text.contains("Nothing was recorded"), "{}", bad.text);
    let long = "x".repeat(1001);
    assert_eq!(f.answer(&amina, "accept", &long).await.status, 400);
    assert_eq!(answered(&f, alert), 0);
}

#[tokio::test]
async fn an_invitation_no_longer_stored_says_so() {
    let f = fixture().await;
    let token = f.roster.links.sign(
        PURPOSE,
        &Uuid::now_v7().to_string(),
        &Uuid::now_v7().to_string(),
        None,
    );
    let shown = page(&f, &format!("/invitations/{token}")).await;
    assert_eq!(shown.status, 404);
    assert!(shown.text.contains("Invitation not found"));
}
