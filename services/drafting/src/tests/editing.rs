//! Authors on the shared draft page, through their links: two authors saving at once never lose
//! a text silently (one is saved, the other is shown what changed with their text kept), a
//! preview saves nothing, op-ed Markdown and titles reach every page sanitised or escaped and
//! mail subjects stay one line, the hash the page reports is the canonical text's whatever the
//! line endings, the language of the original is one of the alert's, versions compare word by
//! word only for the draft's own authors, and an approved op-ed can no longer be edited.

use super::*;

/// A Markdown body carrying everything the page must never run or load.
const HOSTILE: &str = "*Peace* for all.\n\n<script>alert(1)</script>\n\n\
    <img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n\
    ![img](https://evil.example/x.png)\n\n<iframe src=\"https://evil.example/f\"></iframe>\n";

/// Asserts that nothing of [`HOSTILE`] that would run or load survives in `html`.
fn assert_sanitised(html: &str) {
    for bad in [
        "<script>alert",
        "<iframe",
        "<img",
        "onerror=",
        "href=\"javascript:",
        "src=\"https://evil.example",
    ] {
        assert!(!html.contains(bad), "{bad:?} survived: {html}");
    }
    assert!(html.contains("<em>Peace</em>"), "emphasis is kept: {html}");
}

/// The preview block of a draft page.
fn preview(page: &Page) -> &str {
    let start = page
        .body
        .find("<small>Preview</small>")
        .unwrap_or_else(|| panic!("a preview: {}", page.body));
    let rest = &page.body[start..];
    &rest[..rest.find("</div>").unwrap()]
}

/// Sends the draft page's form back as the browser would, with `body` typed in and saved.
async fn send_form(f: &Fixture, link: &str, page: &Page, body: &str) -> Page {
    let (csrf, base) = (page.csrf(), page.hidden("base"));
    f.post(
        link,
        &[
            ("csrf", csrf.as_str()),
            ("base", base.as_str()),
            ("title", "Common ground"),
            ("standfirst", ""),
            ("language", "en"),
            ("body", body),
            ("action", "save"),
        ],
    )
    .await
}

fn versions_of(f: &Fixture) -> u32 {
    f.draft().versions
}

#[tokio::test]
async fn of_two_authors_saving_on_the_same_version_at_once_one_is_saved_and_the_other_sees_what_changed()
 {
    let f = fixture().await;
    let first = f.save(0, "Common ground", "We stand together.").await;

    // Both open the page on the first version.
    let (amina_link, david_link) = (f.edit_link(0), f.edit_link(1));
    let (amina_page, david_page) = (f.get(&amina_link).await, f.get(&david_link).await);
    assert_eq!(amina_page.hidden("base"), first);
    assert_eq!(david_page.hidden("base"), first);
    let amina_text = "We stand together, Amina says.";
    let david_text = "We stand united, David says.";
    let (amina, david) = tokio::join!(
        send_form(&f, &amina_link, &amina_page, amina_text),
        send_form(&f, &david_link, &david_page, david_text)
    );

    let statuses = [amina.status, david.status];
    assert!(
        statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
        "exactly one is saved: {statuses:?}"
    );
    let (winner, loser, loser_who, loser_text, winner_text) = if amina.status == StatusCode::OK {
        (amina, david, 1, david_text, amina_text)
    } else {
        (david, amina, 0, amina_text, david_text)
    };
    let winner_hash = f.hash_of("Common ground", winner_text);
    assert!(winner.body.contains(&winner_hash), "{}", winner.body);
    assert!(loser.body.contains("Not saved"), "{}", loser.body);
    assert!(
        loser.body.contains("<ins>") && loser.body.contains("<del>"),
        "what the other author changed: {}",
        loser.body
    );
    assert!(loser.body.contains(loser_text), "their text is kept");
    assert_eq!(loser.hidden("base"), winner_hash, "now based on the latest");

    let draft = f.draft();
    assert_eq!(draft.current.as_deref(), Some(winner_hash.as_str()));
    assert_eq!(draft.versions, 2);
    let loser_hash = f.hash_of("Common ground", loser_text);
    assert!(
        store::version(&f.app.store, f.draft_id, &loser_hash)
            .unwrap()
            .is_none(),
        "the refused text is not a version"
    );

    // Having merged, the other author saves on the latest version.
    let again = f
        .save_on(
            loser_who,
            &loser.hidden("base"),
            "Common ground",
            loser_text,
            "save",
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(f.draft().current.as_deref(), Some(loser_hash.as_str()));
    assert_eq!(
        f.version(&loser_hash).parent.as_deref(),
        Some(winner_hash.as_str())
    );
}

#[tokio::test]
async fn of_two_authors_writing_the_first_version_at_once_the_second_is_shown_the_first() {
    let f = fixture().await;
    let (amina, david) = tokio::join!(
        f.save_on(0, "", "Common ground", "Amina's first words.", "save"),
        f.save_on(1, "", "Common ground", "David's first words.", "save")
    );
    let mut statuses = [amina.status, david.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let (loser, winner_text, loser_text) = if amina.status == StatusCode::OK {
        (david, "Amina's first words.", "David's first words.")
    } else {
        (amina, "David's first words.", "Amina's first words.")
    };
    assert!(loser.body.contains("Not saved"), "{}", loser.body);
    assert!(loser.body.contains("<ins>"), "{}", loser.body);
    assert!(loser.body.contains(&loser_text.replace('\'', "&#x27;")));
    assert_eq!(
        loser.hidden("base"),
        f.hash_of("Common ground", winner_text)
    );
    assert_eq!(f.draft().versions, 1);
}

#[tokio::test]
async fn a_preview_shows_the_markdown_sanitised_and_saves_nothing() {
    let f = fixture().await;
    let before = f.events().len();
    let page = f.save_page(0, "Common ground", HOSTILE, "preview").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("nothing is saved"), "{}", page.body);
    assert_sanitised(preview(&page));
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(!page.body.contains("<iframe"), "{}", page.body);
    assert!(f.draft().current.is_none(), "no version");
    assert_eq!(versions_of(&f), 0);
    assert_eq!(f.events().len(), before, "no event");
}

#[tokio::test]
async fn a_saved_body_is_shown_sanitised_on_the_draft_signing_and_console_pages() {
    let f = fixture().await;
    f.save(0, "Common ground", HOSTILE).await;
    let hash = f.draft().current.unwrap();
    let draft = f.get(&f.edit_link(1)).await;
    assert_eq!(draft.status, StatusCode::OK);
    assert_sanitised(&draft.body);
    let signing = f.get(&f.sign_link(1, &hash)).await;
    assert_eq!(signing.status, StatusCode::OK);
    assert_sanitised(&signing.body);
    let cookie = f.sign_in(TOKEN).await;
    let version = f
        .get_as(
            &format!("/console/drafts/{}/versions/{hash}", f.draft_id),
            Some(&cookie),
        )
        .await;
    assert_eq!(version.status, StatusCode::OK, "{}", version.body);
    assert_sanitised(&version.body);
    let console = f
        .get_as(&format!("/console/drafts/{}", f.draft_id), Some(&cookie))
        .await;
    assert_sanitised(&console.body);
}

#[tokio::test]
async fn a_script_in_the_title_is_stored_as_typed_and_escaped_on_every_page() {
    let f = fixture().await;
    let title = "<script>alert(1)</script> Peace";
    let hash = f.save(0, title, "We stand together.").await;
    assert_eq!(f.version(&hash).title, title, "stored as typed");
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt; Peace";
    let cookie = f.sign_in(TOKEN).await;
    for (what, page) in [
        ("draft", f.get(&f.edit_link(1)).await),
        ("signing", f.get(&f.sign_link(1, &hash)).await),
        (
            "console draft",
            f.get_as(&format!("/console/drafts/{}", f.draft_id), Some(&cookie))
                .await,
        ),
        (
            "console version",
            f.get_as(
                &format!("/console/drafts/{}/versions/{hash}", f.draft_id),
                Some(&cookie),
            )
            .await,
        ),
    ] {
        assert_eq!(page.status, StatusCode::OK, "{what}: {}", page.body);
        assert!(page.body.contains(escaped), "{what}: {}", page.body);
        assert!(
            !page.body.contains("<script>alert"),
            "{what}: {}",
            page.body
        );
    }
    let request = f.mails_to(&f.authors[1].email);
    let subject = &request.last().unwrap().mail.subject;
    assert!(subject.contains(title), "{subject}");
}

#[tokio::test]
async fn a_title_typed_over_several_lines_is_saved_on_one_and_mail_subjects_stay_one_line() {
    let f = fixture().await;
    let hash = f
        .save(0, "Common ground\r\nBcc: everyone@evil.example", "Text.")
        .await;
    // The fixture hashes the title as typed; the page hashes it on one line.
    let stored = f.draft().current.unwrap();
    assert_ne!(stored, hash);
    assert_eq!(
        f.version(&stored).title,
        "Common ground Bcc: everyone@evil.example"
    );
    for who in 0..2 {
        for m in f.mails_to(&f.authors[who].email) {
            assert!(
                !m.mail.subject.contains(['\r', '\n']),
                "{:?}",
                m.mail.subject
            );
        }
    }
}

#[tokio::test]
async fn control_characters_in_the_title_are_refused_and_nothing_is_saved() {
    let f = fixture().await;
    let before = f.events().len();
    let page = f
        .save_page(0, "Common\u{7} ground\u{1b}[31m", "Text.", "submit")
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("control characters"), "{}", page.body);
    assert!(f.draft().current.is_none());
    assert_eq!(f.events().len(), before);
    assert!(
        f.mails_to(&f.authors[1].email)
            .iter()
            .all(|m| !m.mail.subject.starts_with("Please sign"))
    );
}

#[tokio::test]
async fn the_hash_the_page_reports_is_that_of_the_canonical_text_whatever_the_line_endings() {
    let f = fixture().await;
    let typed = "\r\nFirst line.  \r\nSecond line.\t\r\n\r\n";
    let page = f.save_page(0, "Common ground", typed, "save").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = text::Text {
        title: "Common ground".into(),
        standfirst: String::new(),
        body: "First line.\nSecond line.".into(),
        language: LanguageCode::parse("en").unwrap(),
    };
    let expected = text::version_hash(&text, &text::byline(&f.authors));
    assert_eq!(f.draft().current.as_deref(), Some(expected.as_str()));
    assert!(page.body.contains(&expected), "{}", page.body);
    assert_eq!(f.version(&expected).body, "First line.\nSecond line.");

    // The same text typed on another system: nothing new.
    let events = f.events().len();
    let again = f
        .save_page(1, "Common ground", "First line.\nSecond line.   \n", "save")
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert!(
        again
            .body
            .contains("already the current version; nothing was changed"),
        "{}",
        again.body
    );
    assert!(again.body.contains(&expected));
    assert_eq!(f.draft().versions, 1);
    assert_eq!(f.events().len(), events);
}

#[tokio::test]
async fn an_op_ed_may_be_written_in_one_of_the_alerts_languages_only() {
    let f = fixture().await;
    let refused = f
        .save_in(
            0,
            "",
            "Terrain commun",
            "Nous sommes ensemble.",
            "de",
            "submit",
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("must be one of en, fr"),
        "{}",
        refused.body
    );
    assert!(f.draft().current.is_none());

    let page = f
        .save_in(
            0,
            "",
            "Terrain commun",
            "Nous sommes ensemble.",
            "fr",
            "submit",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let hash = f.draft().current.unwrap();
    assert_eq!(f.version(&hash).language.as_str(), "fr");
    let shown = f.get(&f.edit_link(1)).await;
    assert!(
        shown.body.contains(r#"<option value="fr" selected>"#),
        "{}",
        shown.body
    );
    f.both_sign(&hash).await;
    let approved = f.approved();
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].source_language.as_str(), "fr");
}

#[tokio::test]
async fn two_versions_compare_word_by_word_for_the_drafts_own_authors_only() {
    let f = fixture().await;
    let first = f.save(0, "Common ground", "We stand together.").await;
    let second = f.save(1, "Common ground", "We stand united.").await;
    let link = f.edit_link(0);
    let page = f
        .get(&format!("{link}/compare?from={first}&to={second}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<del>together.</del>"), "{}", page.body);
    assert!(page.body.contains("<ins>united.</ins>"), "{}", page.body);

    let unknown = "0".repeat(64);
    let page = f
        .get(&format!("{link}/compare?from={first}&to={unknown}"))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("No such version"), "{}", page.body);

    // An author of another alert's draft, with their own valid link.
    let other = member("Ruth", "Christian");
    let panel = PanelFormed {
        alert_id: Uuid::now_v7(),
        panel_id: Uuid::now_v7(),
        title: "Another alert".into(),
        summary: "Something else.".into(),
        languages: vec![LanguageCode::parse("en").unwrap()],
        deadline: Utc::now() + chrono::Duration::hours(6),
        authors: vec![other.clone()],
    };
    f.deliver(Event::PanelFormed(panel.clone())).await;
    let other_draft = store::draft_of_alert(&f.app.store, panel.alert_id)
        .unwrap()
        .unwrap();
    let token = f.app.links.sign(
        EDIT,
        &other.member_id.to_string(),
        &other_draft.to_string(),
        None,
    );
    let page = f
        .get(&format!("/drafts/{token}/compare?from={first}&to={second}"))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("together"), "{}", page.body);
    assert!(!page.body.contains("united"), "{}", page.body);
}

#[tokio::test]
async fn once_approved_the_draft_can_no_longer_be_saved() {
    let f = fixture().await;
    let hash = f.save(0, "Common ground", "We stand together.").await;
    f.both_sign(&hash).await;
    assert_eq!(f.approved().len(), 1);
    let events = f.events().len();
    let page = f
        .save_page(1, "Common ground", "A late change.", "submit")
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("closed"), "{}", page.body);
    assert_eq!(f.draft().current.as_deref(), Some(hash.as_str()));
    assert_eq!(f.draft().versions, 1);
    assert_eq!(f.events().len(), events);
    let shown = f.get(&f.edit_link(1)).await;
    assert!(
        !shown.body.contains("<form method=\"post\">"),
        "no editing form"
    );
}
