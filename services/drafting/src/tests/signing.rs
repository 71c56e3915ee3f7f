//! Signing as signatories use it, through their links: signing is bound to the exact text and
//! round, a new version voids every signature (and those who signed are told what changed), a
//! signature can be withdrawn or answered with a request for changes, reminders reach those who
//! have not signed, and nobody acts without their own valid link.

use super::*;

#[tokio::test]
async fn the_signing_page_shows_the_text_and_its_hash_and_get_changes_nothing() {
    let f = fixture().await;
    let hash = f.save(0, "Common ground", "We stand *together*.").await;
    let page = f.get(&f.sign_link(1, &hash)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&hash), "{}", page.body);
    assert!(
        page.body.contains("We stand <em>together</em>."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Amina, Muslim writer"),
        "the byline: {}",
        page.body
    );
    assert!(f.signed(&hash).is_empty(), "opening the page must not sign");
}

#[tokio::test]
async fn a_new_version_voids_every_signature() {
    let f = fixture().await;
    let first = f.save(0, "Common ground", "We stand together.").await;
    assert_eq!(f.sign(0, &first).await.status, StatusCode::OK);
    assert_eq!(f.signed(&first).len(), 1);

    // David changes the text: Amina's signature on the old text no longer counts.
    let second = f
        .save(1, "Common ground", "We stand together, always.")
        .await;
    let page = f.sign(1, &first).await;
    assert_eq!(
        page.status,
        StatusCode::CONFLICT,
        "a replaced version cannot be signed"
    );
    assert!(f.signed(&second).is_empty());
    // Amina is asked again, shown what changed.
    let mails = f.mails_to(&f.authors[0].email);
    let last = &mails.last().unwrap().mail;
    assert!(last.subject.starts_with("Please sign"), "{}", last.subject);
    assert!(
        last.text.contains("[-together.-]{+together, always.+}"),
        "{}",
        last.text
    );
    assert!(last.text.contains(&second));

    assert_eq!(f.sign(1, &second).await.status, StatusCode::OK);
    assert!(
        f.approved().is_empty(),
        "one of two authors signed the current text"
    );
    assert_eq!(f.sign(0, &second).await.status, StatusCode::OK);

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
    assert_eq!(f.sign(0, &second).await.status, StatusCode::OK);
    assert_eq!(f.approved().len(), 1);
}

#[tokio::test]
async fn saving_a_new_version_without_submitting_it_voids_the_signatures_and_says_what_changed() {
    let f = fixture().await;
    let first = f.save(0, "Common ground", "We stand together.").await;
    let amina_link = f.sign_link(0, &first);
    assert_eq!(f.sign(1, &first).await.status, StatusCode::OK);

    // Amina edits the text and only saves it: the text out for signature is no longer the latest.
    f.save_with(0, "Common ground", "We stand united.", "save")
        .await;
    let page = f.get(&amina_link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("can no longer be answered"),
        "{}",
        page.body
    );
    let csrf = f.csrf(&amina_link);
    let page = f.post(&amina_link, &[("csrf", &csrf)]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(
        f.approved().is_empty(),
        "an op-ed must not go out on a replaced text"
    );

    // David, who had signed, is told his signature no longer counts, with the diff.
    let mails = f.mails_to(&f.authors[1].email);
    let voided = &mails.last().unwrap().mail;
    assert!(
        voided.subject.contains("no longer counts"),
        "{}",
        voided.subject
    );
    assert!(
        voided.text.contains("[-together.-]{+united.+}"),
        "{}",
        voided.text
    );
    // Amina, who had not signed, gets no such mail.
    assert!(
        f.mails_to(&f.authors[0].email)
            .iter()
            .all(|m| !m.mail.subject.contains("no longer counts"))
    );
}

#[tokio::test]
async fn a_text_submitted_again_is_signed_again() {
    let f = fixture().await;
    let text = ("Common ground", "We stand together.");
    let first = f.save(0, text.0, text.1).await;
    let first_round = f.draft().round;
    assert_eq!(f.sign(0, &first).await.status, StatusCode::OK);
    f.save(1, "Common ground", "Another text.").await;

    // Back to the first text: Amina's earlier signature and link do not count for it.
    let again = f.save(1, text.0, text.1).await;
    assert_eq!(again, first);
    assert!(f.signed(&first).is_empty());
    let stale = f.sign_link_of_round(&f.authors[0], &first, first_round);
    let csrf = f.csrf(&stale);
    assert_eq!(
        f.post(&stale, &[("csrf", &csrf)]).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(f.sign(1, &first).await.status, StatusCode::OK);
    assert!(f.approved().is_empty(), "only David signed this round");
    // The version keeps its first number: versions never change.
    assert_eq!(f.version(&first).number, 1);
    assert_eq!(f.draft().versions, 2);

    // Each author was asked again, by a new mail, for each round.
    for author in &f.authors {
        let asked = f
            .mails_to(&author.email)
            .iter()
            .filter(|m| m.mail.subject.starts_with("Please sign"))
            .count();
        assert_eq!(asked, 3, "three rounds");
    }
    assert_eq!(f.sign(0, &first).await.status, StatusCode::OK);
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
    assert_eq!(
        f.post(&tampered, &[("csrf", &csrf)]).await.status,
        StatusCode::BAD_REQUEST
    );
    // A link for another action.
    let edit = f.edit_link(1);
    let wrong = format!("/sign/{}", edit.rsplit('/').next().unwrap());
    let page = f.post(&wrong, &[("csrf", &f.csrf(&wrong))]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // A stranger's link for this draft.
    let stranger = f.app.links.sign(
        SIGN,
        &Uuid::now_v7().to_string(),
        &signing_object(f.draft_id, f.draft().round),
        Some(&hash),
    );
    assert_eq!(
        f.get(&format!("/sign/{stranger}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Another member's link, with this member's CSRF value: refused, nothing signed for either.
    let amina = f.sign_link(0, &hash);
    assert_eq!(
        f.post(&amina, &[("csrf", &csrf)]).await.status,
        StatusCode::FORBIDDEN
    );
    // A post that did not come from the page.
    assert_eq!(
        f.post(&link, &[("csrf", "forged")]).await.status,
        StatusCode::FORBIDDEN
    );
    // An expired link.
    let expired = rrm_platform::LinkSigner::new(
        "0123456789abcdef0123456789abcdef".to_owned().into(),
        chrono::Duration::seconds(-1),
    )
    .sign(
        SIGN,
        &f.authors[1].member_id.to_string(),
        &signing_object(f.draft_id, f.draft().round),
        Some(&hash),
    );
    assert_eq!(
        f.get(&format!("/sign/{expired}")).await.status,
        StatusCode::GONE
    );
    // A link bound to another hash than the version out for signature (a superseded one).
    let other = f.sign_link(1, &"0".repeat(64));
    assert_eq!(f.get(&other).await.status, StatusCode::NOT_FOUND);

    assert!(f.signed(&hash).is_empty(), "none of these may sign");
    // A replayed signature (the same POST again) signs once.
    assert_eq!(
        f.post(&link, &[("csrf", &csrf)]).await.status,
        StatusCode::OK
    );
    let again = f.post(&link, &[("csrf", &csrf)]).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.contains("Already signed"), "{}", again.body);
    assert_eq!(f.signatures(&hash).0.len(), 1);
}

#[tokio::test]
async fn a_signature_can_be_withdrawn_before_approval_only() {
    let f = fixture().await;
    let hash = f.save(0, "Common ground", "We stand together.").await;
    assert_eq!(f.sign(0, &hash).await.status, StatusCode::OK);
    let page = f.answer(0, &hash, "withdraw", "").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Signature withdrawn"));
    assert!(f.signed(&hash).is_empty());
    // David's signature alone approves nothing now.
    assert_eq!(f.sign(1, &hash).await.status, StatusCode::OK);
    assert!(f.approved().is_empty());
    assert!(
        f.events()
            .iter()
            .any(|e| matches!(e, Event::SignatureWithdrawn(w) if w.name == "Amina"))
    );
    // Withdrawing what one never signed changes nothing.
    let fresh = fixture().await;
    let h = fresh.save(0, "T", "B").await;
    assert!(
        fresh
            .answer(1, &h, "withdraw", "")
            .await
            .body
            .contains("Nothing to withdraw")
    );

    // Once approved, a signature stays.
    assert_eq!(f.sign(0, &hash).await.status, StatusCode::OK);
    assert_eq!(f.approved().len(), 1);
    let page = f.answer(0, &hash, "withdraw", "").await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert_eq!(f.signed(&hash).len(), 2);
}

#[tokio::test]
async fn a_request_for_changes_reaches_the_authors_and_the_timeline() {
    let f = fixture().await;
    let hash = f.save(0, "Common ground", "We stand together.").await;
    assert_eq!(f.sign(1, &hash).await.status, StatusCode::OK);
    // An empty comment is refused on the page, nothing recorded.
    let page = f.answer(1, &hash, "request_changes", "   ").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Please say what should change."));
    assert!(f.draft().requests.is_empty());

    let page = f
        .answer(1, &hash, "request_changes", "Name the city <b>Lyon</b>.")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("withdrawn with it"), "{}", page.body);
    assert!(
        f.signed(&hash).is_empty(),
        "asking for changes takes the signature back"
    );
    let requests = f.draft().requests;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].comment, "Name the city <b>Lyon</b>.");
    assert!(
        f.events()
            .iter()
            .any(|e| matches!(e, Event::ChangesRequested(c) if c.name == "David"))
    );
    // Amina is e-mailed the comment and a link to the draft; David is not mailed his own.
    let to_amina = f.mails_to(&f.authors[0].email).pop().unwrap().mail;
    assert!(
        to_amina.subject.contains("David asks for changes"),
        "{}",
        to_amina.subject
    );
    assert!(
        to_amina.text.contains("Name the city <b>Lyon</b>.") && to_amina.text.contains("/drafts/")
    );
    assert!(
        f.mails_to(&f.authors[1].email)
            .iter()
            .all(|m| !m.mail.subject.contains("asks for changes"))
    );
    // The draft page shows it, escaped.
    let page = f.get(&f.edit_link(0)).await;
    assert!(
        page.body.contains("Name the city &lt;b&gt;Lyon&lt;/b&gt;."),
        "{}",
        page.body
    );
}

#[tokio::test(start_paused = true)]
async fn the_silent_authors_are_reminded_inside_the_signature_budget() {
    let f = fixture_with("signature_reminders = [\"20m\", \"40m\"]").await;
    let hash = f.save(0, "Common ground", "We stand together.").await;
    assert_eq!(f.sign(0, &hash).await.status, StatusCode::OK);
    let reminders = |f: &Fixture, who: usize| {
        f.mails_to(&f.authors[who].email)
            .iter()
            .filter(|m| m.mail.subject.starts_with("Reminder"))
            .count()
    };
    rrm_platform::clock::fire_due(&f.app).await.unwrap();
    assert_eq!(reminders(&f, 1), 0, "not before 20 minutes");
    tokio::time::advance(std::time::Duration::from_secs(21 * 60)).await;
    rrm_platform::clock::fire_due(&f.app).await.unwrap();
    assert_eq!(reminders(&f, 1), 1, "David had not signed");
    assert_eq!(reminders(&f, 0), 0, "Amina had");
    assert!(
        f.events()
            .iter()
            .any(|e| matches!(e, Event::SignaturesReminded(r) if r.names == ["David"]))
    );
    // A new version voids the round: its second reminder does nothing; the new round's do.
    let second = f.save(0, "Common ground", "We stand united.").await;
    tokio::time::advance(std::time::Duration::from_secs(19 * 60 + 30)).await;
    rrm_platform::clock::fire_due(&f.app).await.unwrap();
    assert_eq!(
        reminders(&f, 1),
        1,
        "the voided round's reminder is not sent"
    );
    tokio::time::advance(std::time::Duration::from_secs(2 * 60)).await;
    rrm_platform::clock::fire_due(&f.app).await.unwrap();
    assert_eq!(reminders(&f, 1), 2);
    assert_eq!(reminders(&f, 0), 1, "Amina has not signed the new version");
    let last = f.mails_to(&f.authors[1].email).pop().unwrap().mail;
    assert!(last.text.contains(&second) && last.text.contains("/sign/"));
    // Once approved, no reminder goes out.
    f.both_sign(&second).await;
    tokio::time::advance(std::time::Duration::from_secs(60 * 60)).await;
    rrm_platform::clock::fire_due(&f.app).await.unwrap();
    assert_eq!(reminders(&f, 1), 2);
}

#[tokio::test]
async fn a_cosigner_is_sent_the_text_out_for_signature_and_named_after_the_authors() {
    let f = fixture().await;
    let hash = f.save(0, "Common ground", "We stand together.").await;
    let grace = f.cosigner_joins("Grace").await;
    // Sent the link to the version already out for signature, at once.
    let mails = f.mails_to(&grace.email);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].mail.text.contains("/sign/"));
    assert_eq!(
        f.answer_as(&grace, &hash, "sign", "").await.status,
        StatusCode::OK
    );
    assert!(
        f.approved().is_empty(),
        "the op-ed waits for the authors, not the co-signer"
    );
    f.both_sign(&hash).await;
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
    let hash = f.save(0, "Common ground", "We stand together.").await;
    let late = f.cosigner_joins("Late").await;
    f.both_sign(&hash).await;
    assert_eq!(f.approved().len(), 1);
    let page = f.answer_as(&late, &hash, "sign", "").await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.body.contains("Signing is closed"), "{}", page.body);
    assert!(!f.signed(&hash).contains(&late.member_id));
    // An author clicking again is told their signature is recorded.
    assert_eq!(f.sign(0, &hash).await.status, StatusCode::OK);
}

#[tokio::test]
async fn once_approved_signatories_are_linked_to_the_translations_of_their_op_ed() {
    let f = fixture().await;
    let hash = f.save(0, "Common ground", "We stand together.").await;
    assert_eq!(f.sign(0, &hash).await.status, StatusCode::OK);
    let before = f.get(&f.sign_link(0, &hash)).await;
    assert!(
        !before.body.contains("/check/"),
        "nothing to read before approval"
    );
    let approving = f.sign(1, &hash).await;
    assert_eq!(f.approved().len(), 1);
    let oped_id = f.approved()[0].oped_id;
    // The page answering the last signature, and the signing page after, link to translation.
    for body in [approving.body, f.get(&f.sign_link(0, &hash)).await.body] {
        let at = body
            .find("http://127.0.0.1:8084/check/")
            .unwrap_or_else(|| panic!("no link to the translations: {body}"));
        let token = body[at..]
            .split('"')
            .next()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        let claims = f
            .app
            .links
            .verify(token, rrm_contracts::links::CHECK_TRANSLATIONS, Utc::now())
            .unwrap();
        assert_eq!(claims.object, oped_id.to_string());
        assert!(
            f.authors
                .iter()
                .any(|a| a.member_id.to_string() == claims.subject)
        );
    }
}
